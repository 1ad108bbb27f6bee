/**
 * From what a trainer reports to what travels: the event's JSON frame (files named by size and
 * SHA-256) and one binary frame per file, and back (a resumed run's saved frames replayed into a
 * logdir). Also the record a queued frame is kept as on disk (the spool, a checkpoint's unacked
 * frames): the JSON text and the binary frames, length-prefixed, so nothing is re-encoded.
 */
import type { TrainerEvent, TrainerToServer } from '../../server/protocol.js';
import { decodeBlobFrame, encodeBlobFrame, sha256Hex } from '../../server/socket/blob-frame.js';
import type { QueuedFrame } from './spill-queue.js';
import type { ReportEvent } from './types.js';

/** A wire event and the bytes of the files it names, in its order. */
export interface WireEvent {
  event: TrainerEvent;
  data: Uint8Array[];
}

/** Splits a reported event into its wire JSON (files named by size and digest) and the files' bytes. */
export function toWire(e: ReportEvent): WireEvent {
  if (!('blobs' in e)) return { event: e, data: [] };
  let files = e.blobs;
  let rest: Record<string, unknown> = { ...e };
  if (e.type === 'snapshot') {
    // The index grows with the layer's width: a file after the atlases, not part of the JSON frame.
    const { index, ...others } = e;
    files = [...e.blobs, { name: `${e.layer}.json`, data: Buffer.from(JSON.stringify(index)) }];
    rest = { ...others, methods: Array.isArray(index.methods) ? index.methods : [] };
  }
  const data = files.map((b) => b.data);
  const blobs = files.map((b) => ({ name: b.name, bytes: b.data.byteLength, sha256: sha256Hex(b.data) }));
  return { event: { ...rest, blobs } as unknown as TrainerEvent, data };
}

/** The text of an event frame (typed: the one place the trainer spells it). */
export function eventFrame(runId: string, seq: number, event: TrainerEvent): string {
  const frame: TrainerToServer = { type: 'event', runId, seq, event };
  return JSON.stringify(frame);
}

/** An event as the reporter queues it: its text frame and its files' binary frames. */
export function queuedFrame(runId: string, seq: number, wire: WireEvent): QueuedFrame {
  const frame = eventFrame(runId, seq, wire.event);
  if (!wire.data.length) return { seq, frame };
  return { seq, frame, blobs: wire.data.map((d, i) => encodeBlobFrame(seq, i, d)) };
}

/** A queued frame back as its event and files (for a logdir destination). */
export function fromQueued(q: QueuedFrame): WireEvent {
  const { event } = JSON.parse(q.frame) as Extract<TrainerToServer, { type: 'event' }>;
  return { event, data: (q.blobs ?? []).map((b) => decodeBlobFrame(b).data) };
}

/** Bytes a queued frame holds (text and binary frames). */
export function queuedBytes(q: QueuedFrame): number {
  return Buffer.byteLength(q.frame) + (q.blobs ?? []).reduce((n, b) => n + b.length, 0);
}

// Record: seq (float64 BE), text length (uint32 BE), text (UTF-8), frame count (uint16 BE), then
// per binary frame its length (uint32 BE) and bytes.

/** One queued frame as a record. */
export function encodeRecord(q: QueuedFrame): Buffer {
  const text = Buffer.from(q.frame, 'utf8');
  const blobs = q.blobs ?? [];
  const head = Buffer.allocUnsafe(12);
  head.writeDoubleBE(q.seq, 0);
  head.writeUInt32BE(text.length, 8);
  const parts: Buffer[] = [head, text];
  const count = Buffer.allocUnsafe(2);
  count.writeUInt16BE(blobs.length, 0);
  parts.push(count);
  for (const b of blobs) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(b.length, 0);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

/** A record back as a queued frame; throws naming `where` when the record is cut short. */
export function decodeRecord(buf: Buffer, where: string): QueuedFrame {
  const need = (n: number, at: number) => {
    if (at + n > buf.length) throw new Error(`${where}: record cut short (${buf.length} bytes, needs ${at + n})`);
  };
  need(12, 0);
  const seq = buf.readDoubleBE(0);
  const textLen = buf.readUInt32BE(8);
  need(textLen + 2, 12);
  const frame = buf.toString('utf8', 12, 12 + textLen);
  let at = 12 + textLen;
  const count = buf.readUInt16BE(at);
  at += 2;
  const blobs: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    need(4, at);
    const len = buf.readUInt32BE(at);
    at += 4;
    need(len, at);
    blobs.push(buf.subarray(at, at + len));
    at += len;
  }
  return blobs.length ? { seq, frame, blobs } : { seq, frame };
}

/** Several records in one buffer, each prefixed by its length (uint32 BE). */
export function encodeRecords(list: readonly QueuedFrame[]): Buffer {
  const parts: Buffer[] = [];
  for (const q of list) {
    const r = encodeRecord(q);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(r.length, 0);
    parts.push(len, r);
  }
  return Buffer.concat(parts);
}

/** The records of encodeRecords, in order. */
export function decodeRecords(buf: Buffer, where: string): QueuedFrame[] {
  const out: QueuedFrame[] = [];
  for (let at = 0; at < buf.length; ) {
    if (at + 4 > buf.length) throw new Error(`${where}: record length cut short at byte ${at}`);
    const len = buf.readUInt32BE(at);
    at += 4;
    out.push(decodeRecord(buf.subarray(at, at + len), where));
    at += len;
  }
  return out;
}
