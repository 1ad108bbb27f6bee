/**
 * The runtime guard of the `experiments` event (the paper's figure experiments at a snapshot epoch):
 * its numbers are numbers, its maps are rectangular and every picture it names comes as one of its
 * PNG files, so that what the store keeps and the dashboard draws has the shape server/protocol.ts
 * promises. Also the check of those files' bytes (a PNG of a sane size), made before the store
 * writes anything.
 */
import { ZfError, describe } from './errors.js';
import { EXPERIMENT_NAMES, EXPERIMENT_PICTURE_FILE, type BlobRef, type TrainerEvent } from './protocol.js';

type Obj = Record<string, unknown>;

/** Largest side of a picture: they are probe-image sized. */
const MAX_SIDE = 1024;
const PICTURE_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,100}$/;
const { prefix: PREFIX, suffix: SUFFIX } = EXPERIMENT_PICTURE_FILE;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The file picture `name` travels as (`experiments.<name>.png`). */
export const pictureFile = (name: string): string => `${PREFIX}${name}${SUFFIX}`;

/** The picture a file of the event holds, or undefined for a name not of that form. */
export function pictureOfFile(file: string): string | undefined {
  if (!file.startsWith(PREFIX) || !file.endsWith(SUFFIX)) return undefined;
  const name = file.slice(PREFIX.length, file.length - SUFFIX.length);
  return PICTURE_NAME_RE.test(name) ? name : undefined;
}

function fail(where: string, expected: string, found: unknown): never {
  throw new ZfError('bad-frame', `${where}: expected ${expected}, found ${describe(found)}`);
}

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'an object', v);
  return v as Obj;
}

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function numbers(v: unknown, where: string, length?: number): number[] {
  if (!Array.isArray(v) || !v.every(isNum) || (length !== undefined && v.length !== length))
    fail(where, length === undefined ? 'an array of numbers' : `an array of ${length} numbers`, v);
  return v as number[];
}

function grid(v: unknown, where: string, rows: number, cols: number): void {
  if (!Array.isArray(v) || v.length !== rows) fail(where, `${rows} rows of ${cols} numbers`, v);
  v.forEach((row, i) => {
    numbers(row, `${where}[${i}]`, cols);
  });
}

function pictureRef(o: Obj, key: string, where: string, pictures: Set<string>): void {
  const name = o[key];
  if (typeof name !== 'string' || !pictures.has(name))
    fail(`${where}.${key}`, `the name of a picture among the event’s files (${pictureFile('<name>')})`, name);
}

/** The pictures the event's files hold (the refs' names already checked as file names). */
function checkPictures(refs: readonly BlobRef[], w: string): Set<string> {
  const pictures = new Set<string>();
  refs.forEach((r, i) => {
    const name = pictureOfFile(r.name);
    if (name === undefined)
      throw new ZfError(
        'bad-blob',
        `${w}.blobs[${i}].name: expected a picture file ${pictureFile('<name>')}, found ${describe(r.name)}`,
      );
    pictures.add(name);
  });
  return pictures;
}

/**
 * Why the bytes of an `experiments` event's files are unusable (not a PNG, or of a side past
 * MAX_SIDE), or undefined when they are fine (and for other events).
 */
export function pictureFilesError(event: TrainerEvent, data: readonly Uint8Array[]): string | undefined {
  if (event.type !== 'experiments') return undefined;
  for (const [i, ref] of event.blobs.entries()) {
    const b = data[i];
    const where = `event(experiments).blobs[${i}] (${ref.name})`;
    // Signature, then the IHDR chunk: its length (13) and type, width and height as uint32 BE.
    if (!b || b.length < 24 || PNG_SIGNATURE.some((v, k) => b[k] !== v))
      return `${where}: expected a PNG file, found bytes that are not one`;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE)
      return `${where}: expected a PNG of 1 to ${MAX_SIDE} px a side, found ${width}x${height}`;
  }
  return undefined;
}

function checkOcclusion(v: unknown, w: string, pictures: Set<string>): void {
  const o = obj(v, w);
  const centres = obj(o.centres, `${w}.centres`);
  const rows = numbers(centres.y, `${w}.centres.y`).length;
  const cols = numbers(centres.x, `${w}.centres.x`).length;
  if (!Array.isArray(o.images)) fail(`${w}.images`, 'an array', o.images);
  o.images.forEach((im: unknown, i: number) => {
    const where = `${w}.images[${i}]`;
    const io = obj(im, where);
    for (const k of ['image', 'class', 'feature'] as const)
      if (!Number.isInteger(io[k])) fail(`${where}.${k}`, 'an integer', io[k]);
    for (const k of ['probability', 'activation', 'label'] as const) grid(io[k], `${where}.${k}`, rows, cols);
    pictureRef(io, 'picture', where, pictures);
    pictureRef(io, 'projection', where, pictures);
  });
}

function checkInvariance(v: unknown, w: string, pictures: Set<string>): void {
  const o = obj(v, w);
  if (!Array.isArray(o.images)) fail(`${w}.images`, 'an array', o.images);
  const n = o.images.length;
  o.images.forEach((im: unknown, i: number) => {
    pictureRef(obj(im, `${w}.images[${i}]`), 'picture', `${w}.images[${i}]`, pictures);
  });
  for (const t of ['shift', 'scale', 'rotation'] as const) {
    const c = obj(o[t], `${w}.${t}`);
    const len = numbers(c.values, `${w}.${t}.values`).length;
    if (!Array.isArray(c.images) || c.images.length !== n)
      fail(`${w}.${t}.images`, `an array of ${n} curves`, c.images);
    c.images.forEach((im: unknown, i: number) => {
      const io = obj(im, `${w}.${t}.images[${i}]`);
      for (const k of ['conv1', 'fc7', 'probability'] as const) numbers(io[k], `${w}.${t}.images[${i}].${k}`, len);
    });
  }
}

function checkCorrespondence(v: unknown, w: string, pictures: Set<string>): void {
  const o = obj(v, w);
  if (!Array.isArray(o.images)) fail(`${w}.images`, 'an array', o.images);
  o.images.forEach((im: unknown, i: number) => {
    pictureRef(obj(im, `${w}.images[${i}]`), 'picture', `${w}.images[${i}]`, pictures);
  });
  const delta = (d: unknown, where: string) => {
    const dobj = obj(d, where);
    for (const part of ['delta', 'spread'] as const) {
      const p = obj(dobj[part], `${where}.${part}`);
      for (const k of ['conv5', 'fc7'] as const) if (!isNum(p[k])) fail(`${where}.${part}.${k}`, 'a number', p[k]);
    }
  };
  for (const [name, r] of Object.entries(obj(o.regions, `${w}.regions`))) delta(r, `${w}.regions.${name}`);
  delta(o.random, `${w}.random`);
}

/** Checks an `experiments` event (its type already known) whose file references `refs` are checked as files. */
export function checkExperimentsEvent(e: Obj, w: string, refs: readonly BlobRef[]): TrainerEvent {
  const epoch = e.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0 || epoch > 999_999_999)
    fail(`${w}.epoch`, 'an integer from 0 to 999999999', epoch);
  const pictures = checkPictures(refs, w);
  const seconds = obj(e.seconds, `${w}.seconds`);
  for (const [k, s] of Object.entries(seconds)) {
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(k))
      fail(`${w}.seconds`, `keys of ${EXPERIMENT_NAMES.join(', ')}`, k);
    if (!isNum(s)) fail(`${w}.seconds.${k}`, 'a number', s);
  }
  if (e.occlusion !== undefined) checkOcclusion(e.occlusion, `${w}.occlusion`, pictures);
  if (e.invariance !== undefined) checkInvariance(e.invariance, `${w}.invariance`, pictures);
  if (e.correspondence !== undefined) checkCorrespondence(e.correspondence, `${w}.correspondence`, pictures);
  return e as unknown as TrainerEvent;
}
