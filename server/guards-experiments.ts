/**
 * The runtime guard of the `experiments` event (the paper's figure experiments at a snapshot epoch):
 * its pictures decode to their stated size, its numbers are numbers and its maps are rectangular, so
 * that what the store keeps and the dashboard draws has the shape server/protocol.ts promises.
 */
import { ZfError, describe } from './errors.js';
import { EXPERIMENT_NAMES, type TrainerEvent } from './protocol.js';

type Obj = Record<string, unknown>;

const MAX_SIDE = 1024;
const PICTURE_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

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

function pictureRef(o: Obj, key: string, where: string, pictures: Obj): void {
  const name = o[key];
  if (typeof name !== 'string' || !Object.hasOwn(pictures, name))
    fail(`${where}.${key}`, 'the name of one of the event’s pictures', name);
}

function checkPictures(v: unknown, w: string): Obj {
  const pictures = obj(v, `${w}.pictures`);
  for (const [name, p] of Object.entries(pictures)) {
    const where = `${w}.pictures.${name}`;
    if (!PICTURE_NAME_RE.test(name)) fail(`${w}.pictures`, 'picture names of [A-Za-z0-9._-]', name);
    const o = obj(p, where);
    for (const k of ['height', 'width'] as const) {
      const n = o[k];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SIDE)
        fail(`${where}.${k}`, `an integer from 1 to ${MAX_SIDE}`, n);
    }
    if (o.channels !== 1 && o.channels !== 3) fail(`${where}.channels`, '1 or 3', o.channels);
    const bytes = (o.height as number) * (o.width as number) * (o.channels as number);
    const b = o.base64;
    if (typeof b !== 'string' || b.length !== Math.ceil(bytes / 3) * 4 || Buffer.from(b, 'base64').length !== bytes)
      fail(`${where}.base64`, `base64 of ${bytes} bytes (height x width x channels)`, b);
  }
  return pictures;
}

function checkOcclusion(v: unknown, w: string, pictures: Obj): void {
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

function checkInvariance(v: unknown, w: string, pictures: Obj): void {
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

function checkCorrespondence(v: unknown, w: string): void {
  const o = obj(v, w);
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

/** Checks an `experiments` event (its type already known). */
export function checkExperimentsEvent(e: Obj, w: string): TrainerEvent {
  const epoch = e.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0 || epoch > 999_999_999)
    fail(`${w}.epoch`, 'an integer from 0 to 999999999', epoch);
  const pictures = checkPictures(e.pictures, w);
  const seconds = obj(e.seconds, `${w}.seconds`);
  for (const [k, s] of Object.entries(seconds)) {
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(k))
      fail(`${w}.seconds`, `keys of ${EXPERIMENT_NAMES.join(', ')}`, k);
    if (!isNum(s)) fail(`${w}.seconds.${k}`, 'a number', s);
  }
  if (e.occlusion !== undefined) checkOcclusion(e.occlusion, `${w}.occlusion`, pictures);
  if (e.invariance !== undefined) checkInvariance(e.invariance, `${w}.invariance`, pictures);
  if (e.correspondence !== undefined) checkCorrespondence(e.correspondence, `${w}.correspondence`);
  return e as unknown as TrainerEvent;
}
