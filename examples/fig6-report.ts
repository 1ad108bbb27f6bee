/**
 * The paper's Fig. 6 comparison as a table: for runs in a logdir, the last snapshot's dead filters
 * per layer, conv1 aliasing and the final validation accuracy.
 *
 *   npx tsx examples/fig6-report.ts runs fig6-11x11s4 fig6-7x7s2
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerSnapshot, RunInfo, StoredEvent } from '../server/protocol.js';

const [logdir = 'runs', ...runs] = process.argv.slice(2);
const rows: string[] = [
  '| run | conv1 | val acc | conv1 aliasing | dead filters conv1..conv5 | conv1 mean weight change (last) |',
  '| --- | --- | --- | --- | --- | --- |',
];
for (const runId of runs) {
  const dir = join(logdir, runId);
  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredEvent);
  const lastEpoch = events.filter((e) => e.type === 'metrics' && e.batch === undefined).at(-1);
  const epochs = readdirSync(join(dir, 'snapshots')).map(Number).sort((a, b) => a - b);
  const last = epochs.at(-1)!;
  const layer = (name: string) => JSON.parse(readFileSync(join(dir, 'snapshots', String(last), `${name}.json`), 'utf8')) as LayerSnapshot;
  const convs = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'].map(layer);
  const valAcc = lastEpoch?.type === 'metrics' ? lastEpoch.values.val_acc : undefined;
  const c1 = convs[0]!;
  rows.push(
    `| ${runId} | ${info.config.conv1.kernel}x${info.config.conv1.kernel}/${info.config.conv1.stride} | ` +
      `${valAcc !== undefined ? (valAcc * 100).toFixed(1) + '%' : '-'} | ${c1.health.aliasing != null ? (c1.health.aliasing * 100).toFixed(0) + '%' : '-'} | ` +
      `${convs.map((c) => `${c.health.deadCount}/${c.maps.length}`).join(', ')} | ${c1.health.meanWeightChange?.toFixed(3) ?? '-'} |`,
  );
}
console.log(rows.join('\n'));
