/**
 * The binary frame that carries one file of an event (layout: BLOB_FRAME in server/protocol.ts),
 * built by the trainer and read by the server's ingest with the same two functions, so both ends
 * agree on every byte of the header.
 */
import { createHash } from 'node:crypto';
import { BLOB_FRAME } from '../protocol.js';
import { ZfError } from '../errors.js';

const MAGIC = Buffer.from(BLOB_FRAME.magic, 'ascii');

/** SHA-256 of bytes, lowercase hex (BlobRef.sha256). */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The binary frame of file `index` of the event `seq`: header, then the bytes (one copy). */
export function encodeBlobFrame(seq: number, index: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(BLOB_FRAME.headerBytes + data.byteLength);
  MAGIC.copy(out, 0);
  out.writeBigUInt64BE(BigInt(seq), BLOB_FRAME.seqOffset);
  out.writeUInt16BE(index, BLOB_FRAME.indexOffset);
  out.set(data, BLOB_FRAME.headerBytes);
  return out;
}

/** A decoded blob frame; `data` is a view into the frame (no copy). */
export interface BlobFrame {
  seq: number;
  index: number;
  data: Buffer;
}

/** Reads a blob frame's header; throws `bad-blob` naming what is wrong with it. */
export function decodeBlobFrame(frame: Buffer): BlobFrame {
  if (frame.length < BLOB_FRAME.headerBytes || !frame.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ZfError(
      'bad-blob',
      `binary frame: expected a ${BLOB_FRAME.headerBytes}-byte header starting with ${JSON.stringify(BLOB_FRAME.magic)}, found ${frame.length} bytes starting with ${JSON.stringify(frame.subarray(0, MAGIC.length).toString('latin1'))}`,
    );
  }
  const seq = frame.readBigUInt64BE(BLOB_FRAME.seqOffset);
  if (seq > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ZfError('bad-blob', `binary frame: seq ${seq} is past the largest seq a run may have`);
  return {
    seq: Number(seq),
    index: frame.readUInt16BE(BLOB_FRAME.indexOffset),
    data: frame.subarray(BLOB_FRAME.headerBytes),
  };
}
