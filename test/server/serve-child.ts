/** `zfscope serve` in a child process, for tests that kill or signal the server: node --import tsx serve-child.ts [flags]. */
import { serveCommand } from '../../server/main.js';

await serveCommand(process.argv.slice(2));
