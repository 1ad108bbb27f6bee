/**
 * The in-memory view of one run's events.jsonl: the byte offset of every line (8 bytes an event)
 * and the text of the most recent lines. Older lines are read back from the file on demand, so a
 * long run costs the server almost nothing per event while live readers, who mostly want the tail,
 * never touch the disk.
 */
import { promises as fsp } from 'node:fs';

export class EventLog {
  private offsets = new Float64Array(1024);
  private size = 0;
  private cache: string[] = [];
  /** Seq of cache[0]. */
  private cacheStart = 1;
  /** Highest seq recorded (lines on disk). */
  count = 0;

  constructor(
    readonly path: string,
    private readonly cacheLines: number,
  ) {}

  /** Bytes of events.jsonl that hold recorded lines. */
  get bytes(): number {
    return this.size;
  }

  /** Records the next line (seq count + 1), already written to the file. */
  add(line: string): void {
    if (this.count === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = this.size;
    this.size += Buffer.byteLength(line) + 1;
    this.cache.push(line);
    // Trim in chunks so that the splice is rare.
    if (this.cache.length > this.cacheLines + Math.max(16, this.cacheLines >> 2)) {
      const drop = this.cache.length - this.cacheLines;
      this.cache.splice(0, drop);
      this.cacheStart += drop;
    }
  }

  /** The lines after `afterSeq` when all of them are in memory, else undefined. */
  cached(afterSeq: number): string[] | undefined {
    const from = Math.max(0, afterSeq) + 1;
    if (from < this.cacheStart) return undefined;
    return this.cache.slice(from - this.cacheStart);
  }

  /** Lines of seqs afterSeq+1 .. toSeq, from the file. */
  async read(afterSeq: number, toSeq: number): Promise<string[]> {
    const a = Math.max(0, afterSeq);
    const b = Math.min(toSeq, this.count);
    if (b <= a) return [];
    const start = this.offsets[a]!;
    const end = b < this.count ? this.offsets[b]! : this.size;
    const h = await fsp.open(this.path, 'r');
    try {
      const buf = Buffer.alloc(end - start);
      await h.read(buf, 0, buf.length, start);
      return buf
        .toString('utf8')
        .split('\n')
        .slice(0, b - a);
    } finally {
      await h.close();
    }
  }

  /**
   * Collects every line after `afterSeq` (older ones from the file) and calls `done` with them in
   * the same tick as the last look at the cache: a caller that registers for new lines inside `done`
   * can neither miss nor repeat one.
   */
  async collect(afterSeq: number, done: (lines: string[], lastSeq: number) => void): Promise<void> {
    let parts: string[] = [];
    let from = Math.max(0, afterSeq);
    for (;;) {
      const tail = this.cached(from);
      if (tail) {
        done(parts.length ? parts.concat(tail) : tail, this.count);
        return;
      }
      const upTo = this.cacheStart - 1;
      parts = parts.concat(await this.read(from, upTo));
      from = upTo;
    }
  }
}
