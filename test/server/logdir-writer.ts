/**
 * A trainer writing straight into a logdir, in its own process (for the live-logdir tests): reads
 * JSON commands from stdin, one a line ({"send": event} or {"close": true}), and prints "ok" after each.
 *   node --import tsx logdir-writer.ts LOGDIR RUN_ID
 */
import { createInterface } from 'node:readline';
import { StoreReporter } from '../../training/reporter/index.js';

const [logdir, runId] = process.argv.slice(2) as [string, string];
const rep = new StoreReporter(logdir, runId);
await rep.ready();
console.log('ok');
for await (const line of createInterface({ input: process.stdin })) {
  // Files travel as JSON's rendering of a Buffer ({type: 'Buffer', data: [...]}): made Buffers again.
  const cmd = JSON.parse(line, (_k, v: { type?: unknown; data?: unknown }) =>
    v?.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data as number[]) : v,
  ) as { send?: never; close?: boolean };
  if (cmd.send) {
    await rep.send(cmd.send);
    await rep.flush();
  }
  if (cmd.close) {
    await rep.close();
    console.log('ok');
    process.exit(0);
  }
  console.log('ok');
}
