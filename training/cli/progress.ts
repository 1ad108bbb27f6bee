/**
 * The terminal progress line: epoch, batch, loss, accuracy, images/s, ETA, last snapshot.
 * On a TTY it redraws one line; elsewhere (CI, pipes) it prints a line per epoch end.
 */
import type { Progress } from '../train.js';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}

export function formatProgress(p: Progress, width = 24): string {
  const frac = p.batches ? p.batch / p.batches : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const phase = p.phase === 'snapshot' ? ' snapshotting...' : '';
  return (
    `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs} [${bar}] ${p.batch}/${p.batches} ` +
    `loss ${p.loss.toFixed(3)} acc ${(p.acc * 100).toFixed(1)}% ${Math.round(p.imgPerS)} img/s ` +
    `ETA ${formatDuration(p.etaS)}${p.lastSnapshot !== undefined ? ` · snapshot @${p.lastSnapshot}` : ''}${phase}`
  );
}

/** A progress sink writing to a stream; throttled to ~10 redraws a second. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update(p: Progress): void;
  log(line: string): void;
  done(): void;
} {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let lastEpoch = -1;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100 && p.batch !== p.batches && p.phase === 'train') return;
        last = now;
        const line = formatProgress(p, 20).slice(0, (stream.columns ?? 120) - 1);
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (p.batch === p.batches && p.phase === 'train' && p.epoch !== lastEpoch) {
        lastEpoch = p.epoch;
        stream.write(`${formatProgress(p)}\n`);
      }
    },
    log(line) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(`${line}\n`);
      drawn = false;
    },
    done() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
