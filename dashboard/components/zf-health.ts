/**
 * <zf-health>: at the scrubber's epoch — conv1's filters as images with each filter's aliasing
 * share and state, conv1's aliasing against white noise's share for the same kernel and stride
 * (with the thresholds and what to try), and per layer the dead, weak and structureless filters:
 * how many, which, since which snapshot epoch, and what a person would do about each.
 */
import { css, html } from 'lit';
import type { FilterState, LayerSnapshot } from '../../server/protocol.js';
import { ADVICE, legend } from '../../training/viz/diagnostics/rules.js';
import { RunView } from './run-view.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { aliasingHint, aliasingLevel } from '../state/aliasing.js';
import { tileScale, weightCell } from '../state/atlas.js';
import { convLabel, pct } from '../state/format.js';
import { resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import { rulesOf, stateBadge, stateOf } from '../render/marks.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { tile } from '../render/tile.js';
import { shared } from '../theme.js';

const LEVEL_CLASS = { unknown: '', 'stride-1': 'good', clean: 'good', high: 'dead', noise: 'warn' } as const;
const LEVEL_WORD = {
  unknown: 'not measured',
  'stride-1': 'nothing to alias',
  clean: 'below advice level',
  high: 'aliasing',
  noise: 'not formed yet',
} as const;
const STATES: FilterState[] = ['dead', 'weak', 'structureless'];

/** For each flagged (layer, feature) at `epoch`: the first snapshot epoch of its current streak in that state. */
export function flaggedSince(
  byEpoch: Array<{ epoch: number; snaps: LayerSnapshot[] }>,
  epoch: number,
): Map<string, number> {
  const streak = new Map<string, { state: string; since: number }>();
  for (const { epoch: e, snaps } of byEpoch) {
    if (e > epoch) break;
    for (const s of snaps) {
      for (const m of s.maps) {
        const key = `${s.layer}/${m.index}`;
        const st = stateOf(m.health);
        if (!st) streak.delete(key);
        else if (streak.get(key)?.state !== st) streak.set(key, { state: st, since: e });
      }
    }
  }
  return new Map([...streak].map(([k, v]) => [k, v.since]));
}

export class ZfHealth extends RunView {
  static override styles = [
    shared,
    css`
      .cols {
        display: grid;
        grid-template-columns: minmax(360px, auto) 1fr;
        gap: 16px;
        align-items: start;
      }
      .filters {
        display: grid;
        gap: 10px 8px;
      }
      .filter {
        display: flex;
        flex-direction: column;
        align-items: center;
        font-size: 11px;
        gap: 3px;
      }
      .filter.is-dead .tile {
        outline: 2px solid var(--bad);
      }
      .filter.is-flagged .tile {
        outline: 2px solid var(--warn);
      }
      .hint {
        font-size: 15px;
        margin: 8px 0 0;
      }
      .score {
        font-size: 28px;
        font-weight: 700;
      }
      .score .muted {
        font-size: 15px;
        font-weight: 500;
      }
      .stack > * + * {
        margin-top: 16px;
      }
      ul.flagged {
        margin: 6px 0 0;
        padding-left: 18px;
      }
      ul.flagged button {
        background: none;
        border: none;
        color: var(--accent);
        cursor: pointer;
        padding: 0;
        font: inherit;
      }
    `,
  ];

  override render() {
    const d = this.data;
    if (!d?.loaded || !this.run) return loadingState('snapshots');
    if (!d.epochs.length) return emptyState('No snapshots yet.', 'Health figures come with each snapshot.');
    const epoch = resolveEpoch(d.epochs, this.nav.epoch)!;
    // Every snapshot up to this epoch: "since when" needs the earlier ones.
    const upTo = d.epochs.filter((e) => e <= epoch);
    const refs = upTo.flatMap((e) => Object.values(d.snapshots[e] ?? {}));
    const need = this.snaps.need(refs.map((r) => r.indexUrl));
    if (need.error) return errorState(need.error, () => this.snaps.retry());
    if (need.pending) return loadingState(`health at epoch ${epoch}`);
    const byEpoch = upTo.map((e) => ({
      epoch: e,
      snaps: Object.values(d.snapshots[e] ?? {})
        .map((r) => need.ready.get(r.indexUrl)!)
        .sort((a, b) => a.layerIndex - b.layerIndex),
    }));
    const snaps = byEpoch.at(-1)!.snaps;
    const first = snaps[0]!;
    const firstRef = Object.values(d.snapshots[epoch]!).find((r) => r.layer === first.layer)!;
    const since = flaggedSince(byEpoch, epoch);
    return html`<div class="cols">
      <div class="panel">${this.#filters(first, firstRef)}</div>
      <div class="stack">
        <div class="panel">${this.#aliasing(first)}</div>
        <div class="panel">${this.#states(snaps, since)}</div>
      </div>
    </div>`;
  }

  #filters(s: LayerSnapshot, ref: SnapshotRef) {
    if (!s.files.weights || !s.weightsGrid)
      return emptyState(`No filter images for ${s.layer}.`, 'The trainer stores them for the first conv layer only.');
    const g = s.weightsGrid;
    const scale = tileScale(g.tile, 56);
    const url = blobUrl(ref, s.files.weights, this.run!.runId);
    const rules = rulesOf(s.health);
    return html`<h3>${s.layer} filters (${convLabel(this.run!.config.conv1)}) · epoch ${s.epoch}</h3>
      <div class="filters" data-weights style=${`grid-template-columns:repeat(${g.cols}, auto)`}>
        ${s.maps.map((m) => {
          const c = weightCell(g, m.index);
          const st = stateOf(m.health);
          return html`<div class="filter ${st === 'dead' ? 'is-dead' : st ? 'is-flagged' : ''}" data-index=${m.index}>
            ${tile(url, g, c.col, c.row, scale, `filter ${m.index}${st ? ` (${st})` : ''}`)}
            ${st ? stateBadge(m.health, rules) : html`<span class="badge" title=${legend('aliasing', rules)}>${pct(m.health.aliasing)}</span>`}
          </div>`;
        })}
      </div>
      <p class="muted">Under each filter: the share of its spectral energy the stride cannot represent (white noise: ${pct(s.health.aliasingNoise)}), or its state (amber outline: weak or structureless, red: dead).</p>`;
  }

  #aliasing(s: LayerSnapshot) {
    const h = s.health;
    const level = aliasingLevel(h);
    const rules = rulesOf(h);
    const shown = level === 'stride-1' ? h.highFrequency : h.aliasing;
    const noise = level === 'stride-1' ? h.highFrequencyNoise : h.aliasingNoise;
    return html`<h3 title=${legend(level === 'stride-1' ? 'highFrequency' : 'aliasing', rules)}>${s.layer} ${level === 'stride-1' ? 'high-frequency share' : 'aliasing'}</h3>
      <div class="score" data-aliasing=${level}><span class="badge ${LEVEL_CLASS[level]}">${LEVEL_WORD[level]}</span> ${pct(shown)}
        <span class="muted" data-noise>white noise ${pct(noise)}</span></div>
      <p class="hint" data-hint>${aliasingHint(this.run!.config.conv1, h)}</p>
      <p class="muted">${legend(level === 'stride-1' ? 'highFrequency' : 'aliasing', rules)}</p>`;
  }

  #states(snaps: LayerSnapshot[], since: Map<string, number>) {
    const rules = rulesOf(snaps[0]?.health);
    const flagged = snaps.flatMap((s) =>
      s.maps.filter((m) => stateOf(m.health)).map((m) => ({ s, m, state: stateOf(m.health)! })),
    );
    return html`<h3>Dead, weak and structureless filters · epoch ${snaps[0]?.epoch}</h3>
      <table>
        <thead><tr><th>layer</th>${STATES.map((st) => html`<th class="num" title=${legend(st, rules)}>${st}</th>`)}<th class="num">filters</th><th class="num" title="mean share of probe positions where a map is > 0">mean active share</th></tr></thead>
        <tbody>${snaps.map((s) => {
          const counts = s.health.states ?? { dead: s.health.deadCount, weak: 0, structureless: 0 };
          return html`<tr data-layer=${s.layer}>
            <td>${s.layer}</td>${STATES.map((st) => html`<td class="num" data-count=${st}>${counts[st]}</td>`)}
            <td class="num">${s.maps.length}</td><td class="num">${pct(s.health.meanActiveShare)}</td>
          </tr>`;
        })}</tbody>
      </table>
      ${STATES.map((st) => {
        const these = flagged.filter((f) => f.state === st);
        if (!these.length) return '';
        return html`<div data-flagged=${st}>
          <h4>${st} (${these.length})</h4><p class="muted">What to try: ${ADVICE[st]}.</p>
          <ul class="flagged">${these.slice(0, 40).map(
            (
              f,
            ) => html`<li>${stateBadge(f.m.health, rules)} <button data-feature=${`${f.s.layer}/${f.m.index}`} @click=${() => navigateFrom(this, { view: 'grid', layer: f.s.layer, feature: f.m.index })}>${f.s.layer} #${f.m.index}</button>
              <span class="muted">since epoch ${since.get(`${f.s.layer}/${f.m.index}`) ?? '?'} · active ${pct(f.m.health.activeShare, 1)} · RMS ${f.m.health.weightRms.toFixed(4)}</span></li>`,
          )}${these.length > 40 ? html`<li class="muted">… and ${these.length - 40} more</li>` : ''}</ul>
        </div>`;
      })}
      <p class="muted">${legend('dead', rules)} ${legend('weak', rules)} ${legend('structureless', rules)}</p>`;
  }
}

customElements.define('zf-health', ZfHealth);
