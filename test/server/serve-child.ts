/** `zfscope serve` in a child process, for tests that kill or signal the server: node --import tsx serve-child.ts [flags]. */
import { main } from '../../training/cli/main.js';

process.exitCode = await main(['serve', ...process.argv.slice(2)]);
