/**
 * <zf-invariance>: invariance curves at the scrubber's epoch (the paper's Fig. 5). For a vertical
 * shift, a zoom and a rotation of each fixed probe image: the Euclidean distance of the layer-1
 * features (the first block's pooled output) and of fc7's to the untransformed image's, and the
 * probability of the true class, one line per image; then the same, averaged, across epochs, where
 * layer 7 growing less sensitive than layer 1 shows as training goes on.
 */
import { css, html } from 'lit';
import type { InvarianceCurvesData } from '../../server/protocol.js';
import { pictureUrl } from '../data/api.js';
import { experimentEpochs, labelColor } from '../state/experiments.js';
import { num } from '../state/format.js';
import type { RunData } from '../state/reducer.js';
import { shared } from '../theme.js';
import type { Series } from './zf-line-chart.js';
import './zf-line-chart.js';
import { RunView } from './run-view.js';
import { experimentAt, isExperiment } from '../render/experiment-state.js';

const TRANSFORMS = [
  { key: 'shift', title: 'Vertical shift', x: 'shift (px)' },
  { key: 'scale', title: 'Zoom', x: 'zoom factor' },
  { key: 'rotation', title: 'Rotation', x: 'rotation (degrees)' },
] as const;
const MEASURES = [
  { key: 'conv1', y: 'layer-1 distance' },
  { key: 'fc7', y: 'fc7 distance' },
  { key: 'probability', y: 'p(true class)' },
] as const;

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);

export class ZfInvariance extends RunView {
  static override styles = [
    shared,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(3, minmax(0, 1fr));
        gap: 12px;
      }
      .legend img {
        width: 40px;
        height: 40px;
        image-rendering: pixelated;
        vertical-align: middle;
        border: 2px solid transparent;
        border-radius: 4px;
      }
      .legend span {
        margin-right: 14px;
      }
      .panel + .panel {
        margin-top: 16px;
      }
    `,
  ];

  override render() {
    const at = experimentAt(this.data, this.nav?.epoch, 'invariance', 'invariance curves');
    if (!isExperiment(at)) return at;
    const { epoch: x, data: inv } = at;
    const d = this.data!;
    const color = (i: number) => `rgb(${labelColor(i).join(',')})`;
    const classes = this.run?.dataset.classes ?? [];
    const series = (c: InvarianceCurvesData, k: 'conv1' | 'fc7' | 'probability'): Series[] =>
      inv.images.map((im, i) => ({
        label: `image ${im.image}`,
        color: color(i),
        points: c.values.map((v, j) => ({ x: v, y: c.images[i]![k][j] ?? null })),
      }));
    return html`<div class="panel">
        <h3>Invariance at epoch ${x.epoch}</h3>
        <p class="legend">
          ${inv.images.map(
            (im, i) =>
              html`<span data-image=${im.image}><img alt="probe image ${im.image}" style="border-color:${color(i)}" src=${pictureUrl(x, im.picture) ?? ''} />
                image ${im.image} (${classes[im.class] ?? im.class}, p ${num(im.clean, 3)})</span>`,
          )}
        </p>
        <p class="muted">Distances of the feature vectors to the untransformed image's: layer 1 is ${inv.layers.conv1}'s output, layer 7 is ${inv.layers.fc7}. Uncovered pixels are the mean colour.</p>
        ${TRANSFORMS.map(
          (t) => html`<h3>${t.title}</h3>
            <div class="grid" data-transform=${t.key}>
              ${MEASURES.map(
                (m) =>
                  html`<zf-line-chart
                    .series=${series(inv[t.key], m.key)}
                    .xTitle=${t.x}
                    .yTitle=${m.y}
                    .yMax=${m.key === 'probability' ? 1 : undefined}
                    .label=${`${t.title}: ${m.y}, epoch ${x.epoch}`}
                    .name=${`invariance-${t.key}-${m.key}`}
                  ></zf-line-chart>`,
              )}
            </div>`,
        )}
      </div>
      ${this.#acrossEpochs(d)}`;
  }

  /** Per epoch and transform: the mean layer-1 and fc7 distances and p(true class) over images and values. */
  #acrossEpochs(d: RunData) {
    const epochs = experimentEpochs(d).filter((e) => d.experiments[e]!.invariance);
    const cell = (e: number, t: (typeof TRANSFORMS)[number]['key'], k: 'conv1' | 'fc7' | 'probability') =>
      mean(d.experiments[e]!.invariance![t].images.flatMap((im) => im[k]));
    return html`<div class="panel">
      <h3>Across epochs: means over images and transform values</h3>
      <table data-table="invariance-epochs">
        <thead><tr><th>epoch</th>${TRANSFORMS.map((t) => html`<th class="num">${t.key}: layer 1</th><th class="num">${t.key}: fc7</th><th class="num">${t.key}: p</th>`)}</tr></thead>
        <tbody>${epochs.map((e) => html`<tr data-epoch=${e}><td>${e}</td>${TRANSFORMS.map((t) => html`<td class="num">${num(cell(e, t.key, 'conv1'), 3)}</td><td class="num">${num(cell(e, t.key, 'fc7'), 3)}</td><td class="num">${num(cell(e, t.key, 'probability'), 3)}</td>`)}</tr>`)}</tbody>
      </table>
    </div>`;
  }
}

customElements.define('zf-invariance', ZfInvariance);
