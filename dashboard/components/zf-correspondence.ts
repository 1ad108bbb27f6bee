/**
 * <zf-correspondence>: the paper's Table 1 (Fig. 8) at the scrubber's epoch, and across epochs. The
 * same region masked in a few probe images of one class against random regions of equal area: Δ at
 * conv5 and fc7 (the fraction of feature signs that change differently in two images, averaged
 * over image pairs), with its spread. A region whose Δ falls below the random one is represented
 * consistently: correspondence appearing as training goes on.
 */
import { css, html } from 'lit';
import type { CorrespondenceData } from '../../server/protocol.js';
import type { ExportItem } from '../export/download.js';
import { safeName } from '../export/download.js';
import { toCsv } from '../export/table.js';
import { pictureUrl } from '../data/api.js';
import { experimentEpochs, experimentsAt, labelColor } from '../state/experiments.js';
import { num } from '../state/format.js';
import type { RunData } from '../state/reducer.js';
import { shared } from '../theme.js';
import type { Series } from './zf-line-chart.js';
import './zf-line-chart.js';
import { pictureStyles } from './zf-occlusion.js';
import { RunView } from './run-view.js';
import { experimentAt, isExperiment } from '../render/experiment-state.js';

type Row = { name: string; delta: { conv5: number; fc7: number }; spread: { conv5: number; fc7: number } };

function rowsOf(c: CorrespondenceData): Row[] {
  return [...Object.entries(c.regions).map(([name, r]) => ({ name, ...r })), { name: 'random', ...c.random }];
}

export class ZfCorrespondence extends RunView {
  static override styles = [
    shared,
    pictureStyles,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 12px;
      }
      .pics {
        grid-template-columns: repeat(6, minmax(72px, 110px));
      }
      td.better {
        color: var(--good);
      }
      .panel + .panel {
        margin-top: 16px;
      }
    `,
  ];

  override render() {
    const at = experimentAt(this.data, this.nav?.epoch, 'correspondence', 'correspondence measurements');
    if (!isExperiment(at)) return at;
    const { epoch: x, data: c } = at;
    const d = this.data!;
    const className = this.run?.dataset.classes[c.class] ?? `class ${c.class}`;
    const rows = rowsOf(c);
    // The pictures are probe images: the dataset's height and width.
    const [h, w] = this.run?.dataset.shape ?? [1, 1];
    const pct = (v: number, side: number) => `${(100 * v) / side}%`;
    return html`<div class="panel">
        <h3>Correspondence at epoch ${x.epoch} (the paper's Table 1)</h3>
        <p class="muted">
          ${c.images.length} probe images of ${className}; each named ${c.size}x${c.size} box masked with the mean colour in all of
          them, against ${c.random.draws} draws of random boxes of the same size (a different place in each image, seed
          ${c.random.seed}). Δ: the fraction of ${c.layers.conv5} / ${c.layers.fc7} features whose change has a different sign in
          two images (sign 0 counts as its own), averaged over pairs; lower = more consistent. ± : over pairs for a named
          box, over draws for random.
        </p>
        <div class="pics">
          ${c.images.map(
            (im) => html`<figure>
              <div class="frame">
                <img alt="probe image ${im.image}" src=${pictureUrl(x, im.picture) ?? ''} />
                ${Object.entries(c.regions).map(
                  ([name, r], i) =>
                    html`<div class="marker" title=${name} style="border-color:rgb(${labelColor(i).join(',')});top:${pct(r.box.top, h)};left:${pct(r.box.left, w)};width:${pct(r.box.size, w)};height:${pct(r.box.size, h)}"></div>`,
                )}
              </div>
              <figcaption>image ${im.image}</figcaption>
            </figure>`,
          )}
        </div>
        <table data-table="correspondence">
          <thead><tr><th>masked region</th><th class="num">${c.layers.conv5} Δ</th><th class="num">${c.layers.fc7} Δ</th></tr></thead>
          <tbody>${rows.map(
            (r, i) =>
              html`<tr data-region=${r.name}><td>${r.name === 'random' ? 'random' : html`<span class="swatch" style="background:rgb(${labelColor(i).join(',')})"></span>${r.name}`}</td>
                ${(['conv5', 'fc7'] as const).map(
                  (k) =>
                    html`<td class="num ${r.name !== 'random' && r.delta[k] < c.random.delta[k] - c.random.spread[k] ? 'better' : ''}">${num(r.delta[k], 3)} ± ${num(r.spread[k], 3)}</td>`,
                )}</tr>`,
          )}</tbody>
        </table>
      </div>
      ${this.#acrossEpochs(d)}`;
  }

  #acrossEpochs(d: RunData) {
    const epochs = experimentEpochs(d).filter((e) => d.experiments[e]!.correspondence);
    const names = [...new Set(epochs.flatMap((e) => rowsOf(d.experiments[e]!.correspondence!).map((r) => r.name)))];
    const series = (k: 'conv5' | 'fc7'): Series[] =>
      names.map((name, i) => ({
        label: name,
        color: name === 'random' ? '#8a93a3' : `rgb(${labelColor(i).join(',')})`,
        points: epochs.map((e) => ({
          x: e,
          y: rowsOf(d.experiments[e]!.correspondence!).find((r) => r.name === name)?.delta[k] ?? null,
        })),
      }));
    return html`<div class="panel">
      <h3>Δ across epochs (random in grey)</h3>
      <div class="grid">
        ${(['conv5', 'fc7'] as const).map(
          (k) =>
            html`<zf-line-chart .series=${series(k)} .xTitle=${'epoch'} .xStep=${1} .yTitle=${`Δ at ${k}`} .label=${`Correspondence Δ at ${k} across epochs`} .name=${`correspondence-${k}`}></zf-line-chart>`,
        )}
      </div>
    </div>`;
  }

  /** The table of the epoch shown, as CSV and JSON. */
  exportItems(): ExportItem[] {
    const x = this.data ? experimentsAt(this.data, this.nav?.epoch) : undefined;
    const c = x?.correspondence;
    if (!x || !c) return [];
    const base = safeName(this.run?.runId ?? 'run', 'correspondence', `epoch${x.epoch}`);
    const rows = rowsOf(c).map((r) => [r.name, r.delta.conv5, r.spread.conv5, r.delta.fc7, r.spread.fc7]);
    return [
      {
        id: 'correspondence-csv',
        label: `Correspondence table at epoch ${x.epoch} (CSV)`,
        make: async () => ({
          name: `${base}.csv`,
          blob: new Blob([toCsv(['region', 'conv5_delta', 'conv5_spread', 'fc7_delta', 'fc7_spread'], rows)], {
            type: 'text/csv',
          }),
        }),
      },
      {
        id: 'correspondence-json',
        label: `Correspondence at epoch ${x.epoch}: data (JSON)`,
        make: async () => ({
          name: `${base}.json`,
          blob: new Blob([JSON.stringify({ epoch: x.epoch, ...c }, null, 1)], { type: 'application/json' }),
        }),
      },
    ];
  }
}

customElements.define('zf-correspondence', ZfCorrespondence);
