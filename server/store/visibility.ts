/**
 * Which stored events readers see. Two rules keep every view free of half-done work after a kill:
 *
 * - A snapshot epoch is complete or absent: the layers of one epoch's snapshot (events that carry
 *   `epochLayers`) are held back until the last of them is stored, then shown together; if any
 *   other event comes first (the trainer died mid-snapshot and was resumed), the held layers are
 *   hidden for good.
 * - A resumed run drops what its checkpoint does not cover: a run-started with `resumeSeq` hides
 *   every event after that seq and before itself (a half epoch's metrics of the dead attempt).
 *
 * Both are functions of events.jsonl alone, so a restarted server, a REST reader and a dashboard
 * see the same thing. The file keeps every line (append-only); only the views filter.
 */
import type { RunInfo, StoredEvent } from '../protocol.js';
import { applyEvent } from './run-info.js';

/** What a run's views are made of (part of RunState). */
export interface RunView {
  runId: string;
  info?: RunInfo;
  /** Highest seq shown; events after it are held (a snapshot epoch in progress). */
  visible: number;
  held: { ev: StoredEvent; line: string }[];
  /** Seq ranges [from, to] hidden for good. */
  hidden: [number, number][];
  /** epoch -> layer -> seq of its (shown) snapshot event */
  layers: Map<number, Map<string, number>>;
  /** Shown end-of-epoch metrics, for the run summary after a drop. */
  epochMetrics: { seq: number; values: Record<string, number>; epoch: number }[];
}

export function newRunView(runId: string): RunView {
  return { runId, visible: 0, held: [], hidden: [], layers: new Map(), epochMetrics: [] };
}

/** Whether a stored seq is shown. */
export function isShown(v: RunView, seq: number): boolean {
  return seq <= v.visible && !v.hidden.some(([a, b]) => seq >= a && seq <= b);
}

/** The lines of seqs first, first+1, ... that are shown. */
export function shownLines(v: RunView, first: number, lines: string[]): string[] {
  if (!v.hidden.length && first + lines.length - 1 <= v.visible) return lines;
  return lines.filter((_, i) => isShown(v, first + i));
}

const groupOf = (ev: StoredEvent): string[] | undefined =>
  ev.type === 'snapshot' ? (ev as { epochLayers?: string[] }).epochLayers : undefined;

/**
 * Takes the next stored event (seq order) into the view; returns the events that become visible
 * now, in order (for listeners). `onShown` is called for each, with the layers it adds.
 */
export function takeEvent(v: RunView, ev: StoredEvent, line: string): { ev: StoredEvent; line: string }[] {
  const out: { ev: StoredEvent; line: string }[] = [];
  if (v.held.length) {
    const first = v.held[0]!.ev as Extract<StoredEvent, { type: 'snapshot' }>;
    if (ev.type === 'snapshot' && ev.epoch === first.epoch && groupOf(ev)?.join() === groupOf(first)?.join()) {
      v.held.push({ ev, line });
      if (complete(v.held)) for (const h of v.held.splice(0)) out.push(show(v, h.ev, h.line));
      return out;
    }
    // Another event before the last layer: that snapshot was cut short; it is never shown.
    hide(v, v.held[0]!.ev.seq, v.held.at(-1)!.ev.seq);
    v.held = [];
  }
  const group = groupOf(ev);
  if (group) {
    v.held.push({ ev, line });
    if (complete(v.held)) for (const h of v.held.splice(0)) out.push(show(v, h.ev, h.line));
    return out;
  }
  out.push(show(v, ev, line));
  return out;
}

function complete(held: { ev: StoredEvent }[]): boolean {
  const want = groupOf(held[0]!.ev)!;
  const have = new Set(held.map((h) => (h.ev as { layer: string }).layer));
  return want.every((l) => have.has(l));
}

function hide(v: RunView, from: number, to: number): void {
  if (to < from) return;
  v.hidden.push([from, to]);
  let changed = false;
  for (const [epoch, layers] of v.layers) {
    for (const [layer, seq] of layers) {
      if (seq >= from && seq <= to) {
        layers.delete(layer);
        changed = true;
      }
    }
    if (!layers.size) v.layers.delete(epoch);
  }
  const before = v.epochMetrics.length;
  v.epochMetrics = v.epochMetrics.filter((m) => m.seq < from || m.seq > to);
  if (v.info && (changed || before !== v.epochMetrics.length)) {
    v.info.snapshotEpochs = [...v.layers.keys()].sort((a, b) => a - b);
    const last = v.epochMetrics.at(-1);
    if (last) v.info.lastMetrics = { epoch: last.epoch, ...last.values };
    else delete v.info.lastMetrics;
  }
}

function show(v: RunView, ev: StoredEvent, line: string): { ev: StoredEvent; line: string } {
  if (ev.type === 'run-started' && typeof ev.resumeSeq === 'number')
    hide(v, ev.resumeSeq + 1, Math.min(ev.seq - 1, v.visible));
  v.info = applyEvent(v.runId, v.info, ev);
  v.visible = ev.seq;
  if (ev.type === 'snapshot') {
    let set = v.layers.get(ev.epoch);
    if (!set) {
      set = new Map();
      v.layers.set(ev.epoch, set);
    }
    set.set(ev.layer, ev.seq);
  } else if (ev.type === 'metrics' && ev.batch === undefined) {
    v.epochMetrics.push({ seq: ev.seq, epoch: ev.epoch, values: ev.values });
  }
  return { ev, line };
}
