import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../server/index.js';
import { WebSocketReporter } from '../training/reporter/index.js';
import { runStarted } from '../test/server/fixtures.js';
const s = await startServer({
  logdir: mkdtempSync(join(tmpdir(), 'dbg-')),
  ingestToken: 't',
  log: (l) => console.log('S', l),
});
const rep = new WebSocketReporter({ url: s.url, runId: 'bench', token: 't', log: (l) => console.log('R', l) });
await rep.send(runStarted());
await rep.flush();
const ws = new WebSocket(`${s.url.replace('http', 'ws')}/live`, { perMessageDeflate: false });
await new Promise((r) => ws.once('open', r));
ws.on('message', (d) => console.log('D', d.toString().slice(0, 150)));
ws.send(JSON.stringify({ type: 'subscribe', runId: 'bench', afterSeq: 1e9 }));
await new Promise((r) => setTimeout(r, 300));
const blob = randomBytes(100_000);
for (let i = 0; i < 2; i++) {
  await rep.send({
    type: 'snapshot',
    epoch: i,
    layer: 'conv2',
    index: {
      epoch: i,
      layer: 'conv2',
      layerIndex: 1,
      shape: [8, 8, 16],
      rf: { size: 15, jump: 4, offset: -5 },
      atlas: { tile: 16, cols: 9, rows: 16 },
      methods: ['deconvnet'],
      maps: [],
      health: { deadCount: 0, deadShare: 0, meanActiveShare: 0.5, meanWeightChange: null },
      files: { patches: 'conv2.patches.png', projections: { deconvnet: 'conv2.deconvnet.png' } },
    },
    blobs: [
      { name: 'conv2.patches.png', data: blob },
      { name: 'conv2.deconvnet.png', data: blob },
    ],
  });
  await rep.flush(5000);
}
await new Promise((r) => setTimeout(r, 300));
ws.close();
await rep.close();
await s.close();
