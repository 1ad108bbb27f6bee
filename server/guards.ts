/**
 * Runtime guards for JSON that enters the server (and that the reporter checks before queueing).
 * Each guard returns the typed value or throws a ZfError whose message names the field, what was
 * expected and what was found. Hand-written on purpose: the protocol is small and the messages matter.
 */
import { CHECKPOINT_FILES, PROBE_FILES, PROTOCOL_VERSION, TRAINER_EVENT_TYPES } from './protocol.js';
import type { BlobRef, DashboardToServer, TrainerEvent, TrainerToServer } from './protocol.js';
import { ZfError, describe } from './errors.js';
import { checkExperimentsEvent } from './guards-experiments.js';

/** Run ids: a path segment that cannot escape the logdir. */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Blob and layer names: [A-Za-z0-9._-], not starting with a dot. */
export const FILE_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

type Obj = Record<string, unknown>;

function fail(code: 'bad-frame' | 'bad-blob', where: string, expected: string, found: unknown): never {
  throw new ZfError(code, `${where}: expected ${expected}, found ${describe(found)}`);
}

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('bad-frame', where, 'an object', v);
  return v as Obj;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail('bad-frame', `${where}.${key}`, 'a string', v);
  return v;
}

/** Largest epoch and batch number: REST serves epochs of at most 9 digits. */
export const MAX_EPOCH = 999_999_999;
/** Largest seq: REST's ?afterSeq takes at most 15 digits. */
export const MAX_SEQ = 999_999_999_999_999;

function int(o: Obj, key: string, where: string, min = 0, max = MAX_EPOCH): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail('bad-frame', `${where}.${key}`, `an integer from ${min} to ${max}`, v);
  return v;
}

/**
 * Checks a run id: the one check and message for every place one enters (trainer flags, the store,
 * ingest frames, REST and /blobs paths). `where` names the flag or field; `code` is the ZfError code.
 */
export function checkRunId(v: unknown, where = 'runId', code: 'bad-frame' | 'bad-blob' = 'bad-frame'): string {
  if (typeof v !== 'string' || !RUN_ID_RE.test(v))
    fail(code, where, 'a run id of 1-128 characters [A-Za-z0-9._-] starting with a letter or digit', v);
  return v;
}

/** Parses a text frame into JSON, or throws `bad-json`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ZfError('bad-json', `frame is not valid JSON (${(err as Error).message}); found ${describe(text)}`);
  }
}

function frameType(v: unknown, valid: string[]): { o: Obj; type: string } {
  const o = obj(v, 'frame');
  if (typeof o.type !== 'string') fail('bad-frame', 'frame.type', 'a string', o.type);
  if (!valid.includes(o.type))
    throw new ZfError('unknown-type', `frame.type: expected one of ${valid.join(', ')}, found ${describe(o.type)}`);
  return { o, type: o.type };
}

/** A frame a trainer sends on /ingest. */
export function checkTrainerFrame(v: unknown): TrainerToServer {
  const { o, type } = frameType(v, ['hello', 'event']);
  if (type === 'hello') {
    const version = o.protocolVersion;
    if (typeof version !== 'number') fail('bad-frame', 'hello.protocolVersion', 'a number', version);
    if (version !== PROTOCOL_VERSION) {
      const older = version < PROTOCOL_VERSION ? 'older' : 'newer';
      throw new ZfError(
        'protocol-version',
        `hello.protocolVersion: expected ${PROTOCOL_VERSION}, found ${version}: the trainer's zfscope is ${older} than this server's; run the same zfscope version on both`,
      );
    }
    return {
      type,
      protocolVersion: version,
      runId: checkRunId(o.runId, 'hello.runId'),
      token: str(o, 'token', 'hello'),
    };
  }
  return {
    type: 'event',
    runId: checkRunId(o.runId, 'event.runId'),
    seq: int(o, 'seq', 'event', 1, MAX_SEQ),
    event: checkTrainerEvent(o.event),
  };
}

const EVENT_TYPES: readonly string[] = TRAINER_EVENT_TYPES;
const SHA256_RE = /^[0-9a-f]{64}$/;
/** Most files one event may name (the server's IngestLimits.maxBlobs may be lower). */
export const MAX_BLOBS = 64;

/**
 * The file references of an event: distinct names of [A-Za-z0-9._-] (from `allowed` when given,
 * with every one of `required`), sizes and SHA-256 digests. Sizes are checked against the server's
 * limit at ingest (guards know no limits).
 */
export function checkBlobRefs(
  v: unknown,
  where: string,
  allowed?: readonly string[],
  required: readonly string[] = [],
): BlobRef[] {
  if (!Array.isArray(v) || v.length > MAX_BLOBS)
    fail('bad-frame', where, `an array of at most ${MAX_BLOBS} file references`, v);
  const seen = new Set<string>();
  v.forEach((b: unknown, i: number) => {
    const bo = obj(b, `${where}[${i}]`);
    const name = bo.name;
    if (typeof name !== 'string' || !FILE_NAME_RE.test(name) || name.endsWith('.tmp'))
      fail('bad-blob', `${where}[${i}].name`, 'a file name of [A-Za-z0-9._-] not starting with a dot', name);
    if (allowed && !allowed.includes(name))
      fail('bad-blob', `${where}[${i}].name`, `one of ${allowed.join(', ')}`, name);
    if (seen.has(name)) fail('bad-blob', `${where}[${i}].name`, 'a name not already used in this event', name);
    seen.add(name);
    int(bo, 'bytes', `${where}[${i}]`, 0, Number.MAX_SAFE_INTEGER);
    if (typeof bo.sha256 !== 'string' || !SHA256_RE.test(bo.sha256))
      fail('bad-blob', `${where}[${i}].sha256`, 'a SHA-256 digest of 64 lowercase hex digits', bo.sha256);
  });
  for (const name of required) if (!seen.has(name)) fail('bad-blob', where, `a file named ${name}`, 'none');
  return v as BlobRef[];
}

/** The file references of an event (empty for events without files). */
export function blobRefsOf(event: TrainerEvent): readonly BlobRef[] {
  return 'blobs' in event ? event.blobs : [];
}
const END_STATUSES = ['finished', 'failed', 'stopped'];

/** A trainer event; metric values may be null (JSON's rendering of NaN and Infinity). */
export function checkTrainerEvent(v: unknown): TrainerEvent {
  const e = obj(v, 'event');
  if (typeof e.type !== 'string') fail('bad-frame', 'event.type', 'a string', e.type);
  if (!EVENT_TYPES.includes(e.type))
    throw new ZfError(
      'unknown-type',
      `event.type: expected one of ${EVENT_TYPES.join(', ')}, found ${describe(e.type)}`,
    );
  const w = `event(${e.type})`;
  switch (e.type) {
    case 'run-started':
      obj(e.config, `${w}.config`);
      obj(e.dataset, `${w}.dataset`);
      obj(e.model, `${w}.model`);
      str(e, 'backend', w);
      str(e, 'startedAt', w);
      if (e.resumeSeq !== undefined) int(e, 'resumeSeq', w, 0, MAX_SEQ);
      return e as unknown as TrainerEvent;
    case 'metrics': {
      int(e, 'epoch', w);
      if (e.batch !== undefined) int(e, 'batch', w);
      const values = obj(e.values, `${w}.values`);
      for (const [k, x] of Object.entries(values)) {
        if (typeof x !== 'number' && x !== null) fail('bad-frame', `${w}.values.${k}`, 'a number', x);
      }
      return e as unknown as TrainerEvent;
    }
    case 'snapshot': {
      int(e, 'epoch', w);
      const layer = str(e, 'layer', w);
      if (!FILE_NAME_RE.test(layer)) fail('bad-frame', `${w}.layer`, 'a name of [A-Za-z0-9._-]', layer);
      const methods = e.methods;
      if (
        !Array.isArray(methods) ||
        methods.length > 16 ||
        !methods.every((m) => typeof m === 'string' && FILE_NAME_RE.test(m))
      )
        fail('bad-frame', `${w}.methods`, 'an array of at most 16 method names', methods);
      if (e.epochLayers !== undefined) {
        const all = e.epochLayers;
        if (
          !Array.isArray(all) ||
          all.length > 64 ||
          !all.every((l) => typeof l === 'string' && FILE_NAME_RE.test(l)) ||
          !all.includes(layer)
        ) {
          fail(
            'bad-frame',
            `${w}.epochLayers`,
            `an array of at most 64 layer names that includes ${JSON.stringify(layer)}`,
            all,
          );
        }
      }
      checkBlobRefs(e.blobs, `${w}.blobs`, undefined, [`${layer}.json`]);
      return e as unknown as TrainerEvent;
    }
    case 'checkpoint':
      int(e, 'epoch', w);
      checkBlobRefs(e.blobs, `${w}.blobs`, CHECKPOINT_FILES, ['meta.json', 'weights.bin']);
      return e as unknown as TrainerEvent;
    case 'probe':
      checkBlobRefs(e.blobs, `${w}.blobs`, PROBE_FILES, ['probe.json', 'inputs.bin']);
      return e as unknown as TrainerEvent;
    case 'diagnostics': {
      int(e, 'epoch', w);
      int(e, 'previousEpoch', w, 0);
      int(e, 'images', w);
      if (e.measure !== 'linear-cka') fail('bad-frame', `${w}.measure`, "'linear-cka'", e.measure);
      if (typeof e.settledChangePerEpoch !== 'number')
        fail('bad-frame', `${w}.settledChangePerEpoch`, 'a number', e.settledChangePerEpoch);
      const layers = obj(e.layers, `${w}.layers`);
      for (const [name, l] of Object.entries(layers)) {
        if (!FILE_NAME_RE.test(name)) fail('bad-frame', `${w}.layers`, 'layer names of [A-Za-z0-9._-]', name);
        const lo = obj(l, `${w}.layers.${name}`);
        for (const k of ['cka', 'change'] as const) {
          if (lo[k] !== null && typeof lo[k] !== 'number')
            fail('bad-frame', `${w}.layers.${name}.${k}`, 'a number or null', lo[k]);
        }
        obj(lo.ckaTo, `${w}.layers.${name}.ckaTo`);
      }
      return e as unknown as TrainerEvent;
    }
    case 'experiments':
      return checkExperimentsEvent(e, w, checkBlobRefs(e.blobs, `${w}.blobs`));
    case 'run-ended': {
      if (typeof e.status !== 'string' || !END_STATUSES.includes(e.status))
        fail('bad-frame', `${w}.status`, END_STATUSES.join(' | '), e.status);
      if (e.error !== undefined) str(e, 'error', w);
      str(e, 'endedAt', w);
      return e as unknown as TrainerEvent;
    }
  }
  throw new Error(`unreachable: event type ${e.type}`);
}

/** A frame a dashboard sends on /live. */
export function checkDashboardFrame(v: unknown): DashboardToServer {
  const { o, type } = frameType(v, ['subscribe', 'unsubscribe']);
  const runId = checkRunId(o.runId, `${type}.runId`);
  if (type === 'unsubscribe') return { type, runId };
  if (o.afterSeq === undefined) return { type: 'subscribe', runId };
  return { type: 'subscribe', runId, afterSeq: int(o, 'afterSeq', 'subscribe', 0, MAX_SEQ) };
}
