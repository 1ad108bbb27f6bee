/**
 * The reporter's unacknowledged frames, oldest first: the head in memory (bounded by count and
 * bytes), the rest spilled to a spool file and read back as acks make room. All file work runs
 * on one promise chain, so a spilled frame is always written before it is read back. The spool
 * holds each frame as a record (wire.ts): its text and its files' binary frames.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeRecord, encodeRecord, queuedBytes } from './wire.js';

/** An event as queued: its text frame and the binary frames of its files (sent right after it). */
export interface QueuedFrame {
  seq: number;
  frame: string;
  blobs?: readonly Buffer[];
}

interface Spilled {
  seq: number;
  offset: number;
  length: number;
}

export class SpillQueue {
  private readonly mem: QueuedFrame[] = [];
  private memBytes = 0;
  private readonly spilled: Spilled[] = [];
  /** Frames taken off `spilled` whose read has not finished (they go to the end of `mem`). */
  private transit: Spilled[] = [];
  private get inTransit(): number {
    return this.transit.length;
  }
  private spoolEnd = 0;
  private writeBatch?: { offset: number; records: Buffer[]; done: Promise<void> };
  private handle?: FileHandle;
  private chain: Promise<unknown> = Promise.resolve();
  /** Called when frames move from the spool to memory (so the sender can transmit them). */
  onRefill: () => void = () => undefined;
  onError: (err: unknown) => void = () => undefined;

  constructor(
    private readonly spoolFile: string,
    private readonly maxInMemory: number,
    private readonly maxInMemoryBytes: number,
  ) {}

  /** Frames queued and not yet acknowledged. */
  get size(): number {
    return this.mem.length + this.inTransit + this.spilled.length;
  }

  /** Frames held in the spool file right now. */
  get spilledCount(): number {
    return this.spilled.length + this.inTransit;
  }

  /** In-memory frames, oldest first (the ones the sender may transmit now). */
  inMemory(): readonly QueuedFrame[] {
    return this.mem;
  }

  /** Queues a frame; resolves once it is in memory or written to the spool. */
  push(item: QueuedFrame): Promise<void> {
    const bytes = queuedBytes(item);
    const fits =
      this.mem.length < this.maxInMemory && (this.memBytes + bytes <= this.maxInMemoryBytes || this.mem.length === 0);
    if (fits && this.spilled.length === 0 && this.inTransit === 0) {
      this.mem.push(item);
      this.memBytes += bytes;
      return Promise.resolve();
    }
    const record = encodeRecord(item);
    const length = record.length;
    this.spilled.push({ seq: item.seq, offset: this.spoolEnd, length });
    this.spoolEnd += length;
    // Frames spilled in one tick go to the file in one write.
    if (!this.writeBatch) {
      const batch = { offset: this.spoolEnd - length, records: [] as Buffer[], done: Promise.resolve() };
      batch.done = this.run(async () => {
        this.writeBatch = undefined;
        const h = await this.file();
        const all = Buffer.concat(batch.records);
        await h.write(all, 0, all.length, batch.offset);
      });
      this.writeBatch = batch;
    }
    this.writeBatch.records.push(record);
    return this.writeBatch.done;
  }

  /** Drops every frame with seq <= `seq` and refills memory from the spool. */
  ackUpTo(seq: number): void {
    let n = 0;
    while (n < this.mem.length && this.mem[n]!.seq <= seq) this.memBytes -= queuedBytes(this.mem[n++]!);
    if (n) this.mem.splice(0, n);
    if (this.mem.length === 0 && this.inTransit === 0) {
      while (this.spilled.length && this.spilled[0]!.seq <= seq) this.spilled.shift();
    }
    this.refill();
  }

  private refill(): void {
    const room = this.maxInMemory - this.mem.length - this.inTransit;
    if (room <= 0 || !this.spilled.length) return;
    // Spilled frames are contiguous in the file: read a run of them in one go.
    const metas = this.spilled.splice(0, room);
    this.transit.push(...metas);
    const from = metas[0]!.offset;
    const to = metas.at(-1)!.offset + metas.at(-1)!.length;
    void this.run(async () => {
      const h = await this.file();
      const buf = Buffer.alloc(to - from);
      await h.read(buf, 0, buf.length, from);
      this.transit.splice(0, metas.length);
      for (const m of metas) {
        // A copy: the record's binary frames would otherwise keep the whole read buffer alive.
        const item = decodeRecord(
          Buffer.from(buf.subarray(m.offset - from, m.offset - from + m.length)),
          this.spoolFile,
        );
        this.mem.push(item);
        this.memBytes += queuedBytes(item);
      }
      this.onRefill();
    }).then(() => (this.spilled.length === 0 && this.inTransit === 0 ? this.truncate() : undefined));
  }

  private async truncate(): Promise<void> {
    await this.run(async () => {
      // Everything spilled is back in memory: start the spool afresh so it does not grow forever.
      if (this.spilled.length === 0 && this.inTransit === 0 && this.handle && this.spoolEnd > 0) {
        this.spoolEnd = 0; // before the await: a push meanwhile must start at 0, after the truncation
        await this.handle.truncate(0);
      }
    });
  }

  private run(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(fn);
    this.chain = p.catch((err) => this.onError(err));
    return p;
  }

  private async file(): Promise<FileHandle> {
    if (!this.handle) {
      await fsp.mkdir(dirname(this.spoolFile), { recursive: true });
      this.handle = await fsp.open(this.spoolFile, 'w+');
    }
    return this.handle;
  }

  /** Every queued frame, oldest first (reads the spilled ones back). */
  frames(): Promise<QueuedFrame[]> {
    return new Promise((resolve, reject) => {
      void this.run(async () => {
        const out = [...this.mem];
        const metas = [...this.transit, ...this.spilled];
        if (metas.length) {
          const h = await this.file();
          for (const m of metas) {
            const buf = Buffer.alloc(m.length);
            await h.read(buf, 0, buf.length, m.offset);
            out.push(decodeRecord(buf, this.spoolFile));
          }
        }
        resolve(out);
      }).catch(reject);
    });
  }

  /** Closes the spool file; removes it when nothing is left in it. */
  async close(): Promise<void> {
    await this.chain;
    if (!this.handle) return;
    await this.handle.close();
    this.handle = undefined;
    if (this.spilled.length === 0 && this.inTransit === 0) await fsp.rm(this.spoolFile, { force: true });
  }
}
