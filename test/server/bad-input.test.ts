import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index.js';
import { WebSocketReporter } from '../../training/reporter/index.js';
import { PROTOCOL_VERSION, type BlobRef } from '../../server/protocol.js';
import { encodeBlobFrame, sha256Hex } from '../../server/socket/blob-frame.js';
import { TestClient, metrics, range, runStarted, seenSeqs, tempDir } from './fixtures.js';

const TOKEN = 'ingest-secret';
let server: RunningServer;
const lines: string[] = [];

beforeAll(async () => {
  server = await startServer({
    logdir: tempDir(),
    ingestToken: TOKEN,
    log: (l) => lines.push(l),
    limits: {
      maxMessageBytes: 4096,
      maxBlobBytes: 1000,
      maxEventBytes: 1500,
      liveFramesPerSec: 20,
      helloTimeoutMs: 300,
    },
  });
  // A healthy run that every case checks is still served.
  const rep = new WebSocketReporter({ url: server.url, runId: 'ok', token: TOKEN, log: () => undefined });
  await rep.send(runStarted());
  await rep.close();
});
afterAll(() => server.close());

const hello = (extra: object = {}) => ({
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  runId: 'bad',
  token: TOKEN,
  ...extra,
});

/** A checkpoint event naming `files` (name -> bytes as sent), and the binary frames that carry them. */
function checkpointFrames(files: Record<string, Buffer>, named: Record<string, Partial<BlobRef>> = {}): unknown[] {
  const blobs = Object.entries(files).map(([name, data]) => ({
    name,
    bytes: data.length,
    sha256: sha256Hex(data),
    ...named[name],
  }));
  return [
    { type: 'event', runId: 'bad', seq: 1, event: { type: 'checkpoint', epoch: 1, blobs } },
    ...Object.values(files).map((data, i) => encodeBlobFrame(1, i, data)),
  ];
}
const META = Buffer.from('{}');
const WEIGHTS = Buffer.alloc(16, 7);

/** Another trainer and another dashboard still work after the bad client. */
async function othersStillServed(): Promise<void> {
  const next = server.store.lastSeq('ok') + 1;
  const rep = new WebSocketReporter({
    url: server.url,
    runId: 'ok',
    token: TOKEN,
    startSeq: next - 1,
    log: () => undefined,
  });
  await rep.send(metrics(next));
  await rep.close(5000);
  const d = await TestClient.connect(`${server.url}/live`);
  d.send({ type: 'subscribe', runId: 'ok' });
  await d.until((f) => seenSeqs(f, 'ok').at(-1) === next);
  d.close();
}

interface Case {
  name: string;
  /** Frames sent in order on /ingest (strings raw, objects as JSON). */
  frames: unknown[];
  code: string;
  message: string | RegExp;
  closeCode: number;
}

const INGEST_CASES: Case[] = [
  {
    name: 'malformed JSON',
    frames: ['{"type":"hello",'],
    code: 'bad-json',
    message: /^frame is not valid JSON \(.+\); found "\{\\"type\\":\\"hello\\","$/,
    closeCode: 1002,
  },
  {
    name: 'an unknown frame type',
    frames: [{ type: 'howdy' }],
    code: 'unknown-type',
    message: 'frame.type: expected one of hello, event, found "howdy"',
    closeCode: 1008,
  },
  {
    name: 'a wrong protocol version',
    frames: [hello({ protocolVersion: 7 })],
    code: 'protocol-version',
    message: `hello.protocolVersion: expected ${PROTOCOL_VERSION}, found 7: the trainer's zfscope is newer than this server's; run the same zfscope version on both`,
    closeCode: 1002,
  },
  {
    name: 'a trainer of the previous protocol (files as base64 in JSON)',
    frames: [hello({ protocolVersion: 1 })],
    code: 'protocol-version',
    message: `hello.protocolVersion: expected ${PROTOCOL_VERSION}, found 1: the trainer's zfscope is older than this server's; run the same zfscope version on both`,
    closeCode: 1002,
  },
  {
    name: 'a missing field',
    frames: [{ type: 'hello', protocolVersion: PROTOCOL_VERSION, runId: 'bad' }],
    code: 'bad-frame',
    message: 'hello.token: expected a string, found nothing',
    closeCode: 1008,
  },
  {
    name: 'a bad run id',
    frames: [hello({ runId: '../etc' })],
    code: 'bad-frame',
    message:
      'hello.runId: expected a run id of 1-128 characters [A-Za-z0-9._-] starting with a letter or digit, found "../etc"',
    closeCode: 1008,
  },
  {
    name: 'a wrong token',
    frames: [hello({ token: 'guess' })],
    code: 'unauthorized',
    message: "hello.token: expected the server's ingest token, found a wrong one",
    closeCode: 1008,
  },
  {
    name: 'an event before hello',
    frames: [{ type: 'event', runId: 'bad', seq: 1, event: runStarted() }],
    code: 'not-hello',
    message: 'expected a hello frame first, found event',
    closeCode: 1008,
  },
  {
    name: 'no hello in time',
    frames: [],
    code: 'not-hello',
    message: 'expected a hello frame within 300 ms, found none',
    closeCode: 1008,
  },
  {
    name: 'a mistyped field',
    frames: [hello(), { type: 'event', runId: 'bad', seq: 1, event: { type: 'metrics', epoch: 'one', values: {} } }],
    code: 'bad-frame',
    message: 'event(metrics).epoch: expected an integer from 0 to 999999999, found "one"',
    closeCode: 1008,
  },
  {
    name: 'a mistyped metric value',
    frames: [
      hello(),
      { type: 'event', runId: 'bad', seq: 1, event: { type: 'metrics', epoch: 1, values: { loss: '0.3' } } },
    ],
    code: 'bad-frame',
    message: 'event(metrics).values.loss: expected a number, found "0.3"',
    closeCode: 1008,
  },
  {
    name: 'a diagnostics event with another measure',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'diagnostics',
          epoch: 1,
          previousEpoch: 0,
          images: 10,
          measure: 'svcca',
          layers: {},
          settledChangePerEpoch: 0.01,
        },
      },
    ],
    code: 'bad-frame',
    message: `event(diagnostics).measure: expected 'linear-cka', found "svcca"`,
    closeCode: 1008,
  },
  {
    name: 'a diagnostics event with a non-numeric CKA',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'diagnostics',
          epoch: 1,
          previousEpoch: 0,
          images: 10,
          measure: 'linear-cka',
          layers: { conv1: { kind: 'conv', cka: 'high', change: null, ckaTo: {} } },
          settledChangePerEpoch: 0.01,
        },
      },
    ],
    code: 'bad-frame',
    message: 'event(diagnostics).layers.conv1.cka: expected a number or null, found "high"',
    closeCode: 1008,
  },
  {
    name: 'an experiments event with a file that is not a picture',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'experiments',
          epoch: 1,
          blobs: [{ name: 'conv1.json', bytes: 2, sha256: sha256Hex(META) }],
          seconds: {},
        },
      },
    ],
    code: 'bad-blob',
    message: 'event(experiments).blobs[0].name: expected a picture file experiments.<name>.png, found "conv1.json"',
    closeCode: 1008,
  },
  {
    name: 'an experiments event naming a picture it does not carry',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'experiments',
          epoch: 1,
          blobs: [],
          seconds: {},
          invariance: { images: [{ image: 0, class: 1, picture: 'image-0', clean: 0.5 }] },
        },
      },
    ],
    code: 'bad-frame',
    message:
      'event(experiments).invariance.images[0].picture: expected the name of a picture among the event’s files (experiments.<name>.png), found "image-0"',
    closeCode: 1008,
  },
  {
    name: 'an experiments event with a ragged occlusion map',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'experiments',
          epoch: 1,
          blobs: [{ name: 'experiments.p.png', bytes: 2, sha256: sha256Hex(META) }],
          seconds: { occlusion: 0.1 },
          occlusion: {
            layer: 'conv5',
            size: 7,
            stride: 2,
            centres: { y: [3, 5], x: [3, 5] },
            images: [
              {
                image: 0,
                class: 1,
                feature: 2,
                picture: 'p',
                projection: 'p',
                probability: [[0.1, 0.2], [0.3]],
                activation: [
                  [1, 2],
                  [3, 4],
                ],
                label: [
                  [1, 1],
                  [1, 1],
                ],
              },
            ],
          },
        },
      },
    ],
    code: 'bad-frame',
    message:
      'event(experiments).occlusion.images[0].probability[1]: expected an array of 2 numbers, found an array of 1',
    closeCode: 1008,
  },
  {
    name: 'an unknown event type',
    frames: [hello(), { type: 'event', runId: 'bad', seq: 1, event: { type: 'epoch-done' } }],
    code: 'unknown-type',
    message:
      'event.type: expected one of run-started, metrics, snapshot, diagnostics, experiments, checkpoint, probe, run-ended, found "epoch-done"',
    closeCode: 1008,
  },
  {
    name: 'a seq of 0',
    frames: [hello(), { type: 'event', runId: 'bad', seq: 0, event: runStarted() }],
    code: 'bad-frame',
    message: 'event.seq: expected an integer from 1 to 999999999999999, found number 0',
    closeCode: 1008,
  },
  {
    name: 'an event of another run',
    frames: [hello(), { type: 'event', runId: 'other', seq: 1, event: runStarted() }],
    code: 'bad-frame',
    message: 'event.runId: expected "bad" (from hello), found "other"',
    closeCode: 1008,
  },
  {
    name: 'an unknown run',
    frames: [hello({ runId: 'ghost' }), { type: 'event', runId: 'ghost', seq: 1, event: metrics(1) }],
    code: 'unknown-run',
    message: 'run "ghost" is unknown: its first event must be run-started, found metrics (seq 1)',
    closeCode: 1008,
  },
  {
    name: 'a seq gap',
    frames: [
      hello({ runId: 'gap' }),
      { type: 'event', runId: 'gap', seq: 1, event: runStarted() },
      { type: 'event', runId: 'gap', seq: 3, event: metrics(1) },
    ],
    code: 'seq-gap',
    message: 'event.seq: expected 2 (run gap has 1..1 stored), found 3',
    closeCode: 1008,
  },
  {
    name: 'a blob name with a path',
    frames: [
      hello(),
      {
        type: 'event',
        runId: 'bad',
        seq: 1,
        event: {
          type: 'snapshot',
          epoch: 1,
          layer: 'conv1',
          methods: ['deconvnet'],
          blobs: [{ name: '../../x.png', bytes: 0, sha256: sha256Hex(Buffer.alloc(0)) }],
        },
      },
    ],
    code: 'bad-blob',
    message:
      'event(snapshot).blobs[0].name: expected a file name of [A-Za-z0-9._-] not starting with a dot, found "../../x.png"',
    closeCode: 1008,
  },
  {
    name: 'a frame over the size limit',
    frames: [hello(), 'x'.repeat(5000)],
    code: 'too-large',
    message: "text frame of 5000 bytes: expected at most 4096 bytes (the server's maxMessageBytes)",
    closeCode: 1009,
  },
  {
    name: 'a binary frame before the hello',
    frames: [Buffer.from('{}')],
    code: 'bad-frame',
    message: 'frame: expected a text frame of JSON, found a binary frame',
    closeCode: 1008,
  },
  {
    name: 'a binary frame no event waits for',
    frames: [hello(), encodeBlobFrame(1, 0, META)],
    code: 'bad-blob',
    message: 'binary frame: expected a text frame (no event is waiting for its files)',
    closeCode: 1008,
  },
  {
    name: 'a file over the size limit (refused from the event, before its bytes)',
    frames: [hello(), ...checkpointFrames({ 'meta.json': META, 'weights.bin': Buffer.alloc(1001) })],
    code: 'too-large',
    message:
      "event(checkpoint) seq 1.blobs[1] (weights.bin): 1001 bytes, expected at most 1000 bytes (the server's maxBlobBytes)",
    closeCode: 1009,
  },
  {
    name: "files over the event's limit together",
    frames: [hello(), ...checkpointFrames({ 'meta.json': Buffer.alloc(800), 'weights.bin': Buffer.alloc(800) })],
    code: 'too-large',
    message:
      "event(checkpoint) seq 1.blobs: 1600 bytes in all, expected at most 1500 bytes (the server's maxEventBytes)",
    closeCode: 1009,
  },
  {
    name: 'a file whose bytes are not the digest the event names',
    frames: [
      hello(),
      ...checkpointFrames({ 'meta.json': META, 'weights.bin': WEIGHTS }, { 'weights.bin': { sha256: 'a'.repeat(64) } }),
    ],
    code: 'bad-blob',
    message: `binary frame of event seq 1 file 1 (weights.bin): expected SHA-256 ${'a'.repeat(64)} (as the event says), found ${sha256Hex(WEIGHTS)}`,
    closeCode: 1008,
  },
  {
    name: 'a file shorter than the event says',
    frames: [
      hello(),
      ...checkpointFrames({ 'meta.json': META, 'weights.bin': WEIGHTS }, { 'weights.bin': { bytes: 20 } }),
    ],
    code: 'bad-blob',
    message: 'binary frame of event seq 1 file 1 (weights.bin): expected 20 bytes (as the event says), found 16',
    closeCode: 1008,
  },
  {
    name: 'a text frame where a file was due',
    frames: [hello(), ...checkpointFrames({ 'meta.json': META, 'weights.bin': WEIGHTS }).slice(0, 2), hello()],
    code: 'bad-blob',
    message: 'event seq 1: expected the binary frame of its file 1 (weights.bin), found a text frame',
    closeCode: 1008,
  },
  {
    name: 'a binary frame without the header',
    frames: [hello(), checkpointFrames({ 'meta.json': META, 'weights.bin': WEIGHTS })[0], Buffer.from('{}')],
    code: 'bad-blob',
    message: 'binary frame: expected a 14-byte header starting with "ZFB2", found 2 bytes starting with "{}"',
    closeCode: 1008,
  },
  {
    name: 'a checkpoint file analyses do not read',
    frames: [hello(), ...checkpointFrames({ 'meta.json': META, 'weights.bin': WEIGHTS, 'run.sh': META })],
    code: 'bad-blob',
    message: 'event(checkpoint).blobs[2].name: expected one of meta.json, weights.bin, model.json, found "run.sh"',
    closeCode: 1008,
  },
  {
    name: 'a checkpoint without meta.json',
    frames: [hello(), ...checkpointFrames({ 'weights.bin': WEIGHTS })],
    code: 'bad-blob',
    message: 'event(checkpoint).blobs: expected a file named meta.json, found "none"',
    closeCode: 1008,
  },
];

describe('bad input on /ingest', () => {
  for (const c of INGEST_CASES) {
    it(`answers ${c.name} with ${c.code}, closes, and keeps serving others`, async () => {
      const client = await TestClient.connect(`${server.url}/ingest`);
      for (const f of c.frames) client.ws.send(typeof f === 'string' || Buffer.isBuffer(f) ? f : JSON.stringify(f));
      const err = await client.next('error');
      expect(err.code).toBe(c.code);
      if (typeof c.message === 'string') expect(err.message).toBe(c.message);
      else expect(err.message).toMatch(c.message);
      expect(await client.closed).toBe(c.closeCode);
      expect(lines.some((l) => l.includes(`${c.code}: ${err.message}`))).toBe(true);
      await othersStillServed();
    });
  }

  it('refuses a flood of frames with rate-limited', async () => {
    const s = await startServer({
      logdir: tempDir(),
      ingestToken: TOKEN,
      log: () => undefined,
      limits: { ingestFramesPerSec: 50 },
    });
    try {
      const client = await TestClient.connect(`${s.url}/ingest`);
      client.send(hello({ runId: 'flood' }));
      client.send({ type: 'event', runId: 'flood', seq: 1, event: runStarted() });
      for (let i = 2; i <= 200; i++) client.send({ type: 'event', runId: 'flood', seq: i, event: metrics(i) });
      const err = await client.next('error');
      expect(err).toEqual({
        type: 'error',
        code: 'rate-limited',
        message: 'more than 50 frames per second; slow down and reconnect',
      });
      expect(await client.closed).toBe(1013);
      // Frames accepted before the limit are stored and acknowledged (acks are cumulative) before the close; none after it.
      const acked = client.frames.filter((f) => f.type === 'ack').map((f) => f.seq as number);
      const last = acked.at(-1)!;
      expect(acked).toEqual([...acked].sort((a, b) => a - b));
      expect(last).toBeGreaterThanOrEqual(40);
      expect(last).toBeLessThan(200);
      expect((await s.store.events('flood')).map((e) => e.seq)).toEqual(range(1, last));
    } finally {
      await s.close();
    }
  });
});

describe('bad input on /live', () => {
  it('answers bad frames with typed errors and keeps the dashboard connected', async () => {
    const d = await TestClient.connect(`${server.url}/live`);
    await d.next('hello');
    d.send('not json');
    d.send({ type: 'watch', runId: 'ok' });
    d.send({ type: 'subscribe', runId: 'nope' });
    d.send({ type: 'subscribe', runId: 'ok', afterSeq: -1 });
    await d.until((f) => f.filter((x) => x.type === 'error').length === 4);
    const errors = d.frames.filter((f) => f.type === 'error');
    expect(errors.map((e) => e.code)).toEqual(['bad-json', 'unknown-type', 'unknown-run', 'bad-frame']);
    expect(errors[1].message).toBe('frame.type: expected one of subscribe, unsubscribe, found "watch"');
    expect(errors[2].message).toBe('subscribe.runId: no run "nope" in this logdir');
    expect(errors[3].message).toBe(
      'subscribe.afterSeq: expected an integer from 0 to 999999999999999, found number -1',
    );
    d.send({ type: 'subscribe', runId: 'ok' });
    await d.next('history');
    expect(d.closeCode).toBeUndefined();
    d.close();
  });

  it('closes a dashboard that floods the server with rate-limited', async () => {
    const d = await TestClient.connect(`${server.url}/live`);
    for (let i = 0; i < 100; i++) d.send({ type: 'unsubscribe', runId: 'ok' });
    const err = await d.next('error');
    expect(err).toEqual({ type: 'error', code: 'rate-limited', message: 'more than 20 frames per second' });
    expect(await d.closed).toBe(1013);
    await othersStillServed();
  });

  it('needs the viewer token when one is set', async () => {
    const s = await startServer({ logdir: tempDir(), viewerToken: 'look', log: () => undefined });
    try {
      const bad = await TestClient.connect(`${s.url}/live?token=wrong`);
      expect(await bad.next('error')).toEqual({
        type: 'error',
        code: 'unauthorized',
        message: 'this server needs the viewer token: connect to /live?token=...',
      });
      expect(await bad.closed).toBe(1008);
      const good = await TestClient.connect(`${s.url}/live?token=look`);
      expect((await good.next('hello')).protocolVersion).toBe(PROTOCOL_VERSION);
      good.close();
    } finally {
      await s.close();
    }
  });

  it('refuses WebSocket upgrades on other paths with 404', async () => {
    const err = await TestClient.connect(`${server.url}/elsewhere`).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe('Unexpected server response: 404');
  });
});
