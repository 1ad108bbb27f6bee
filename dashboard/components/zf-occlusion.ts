/**
 * <zf-occlusion>: occlusion sensitivity at the scrubber's epoch (the paper's Fig. 7). For each fixed
 * probe image: the image, the deconvnet projection of the conv5 map with the strongest unit (its
 * receptive field marked), and three maps over occluder positions — that map's summed activation,
 * the probability of the true class, and the most probable class. Scrubbing through the epochs shows
 * the probability map sharpen onto the object as the network learns.
 */
import { css, html } from 'lit';
import type { OcclusionData } from '../../server/protocol.js';
import type { ExportItem } from '../export/download.js';
import { safeName } from '../export/download.js';
import { pictureUrl } from '../data/api.js';
import { loadImage, montagePng, rgbaUrl } from '../render/pictures.js';
import { experimentsAt, heatRgba, labelColor, labelCounts, labelRgba } from '../state/experiments.js';
import { num } from '../state/format.js';
import type { EpochExperiments } from '../state/reducer.js';
import { shared } from '../theme.js';
import { RunView } from './run-view.js';
import { experimentAt, isExperiment } from '../render/experiment-state.js';

export const pictureStyles = css`
  .pics {
    display: grid;
    grid-template-columns: repeat(5, minmax(96px, 140px));
    gap: 10px;
    align-items: start;
  }
  figure {
    margin: 0;
  }
  figure img {
    width: 100%;
    aspect-ratio: 1;
    image-rendering: pixelated;
    display: block;
    border-radius: 4px;
    background: #000;
  }
  figcaption {
    font-size: 12px;
    color: var(--fg-dim);
    margin-top: 4px;
  }
  .marker {
    position: absolute;
    border: 2px solid #f0b861;
    box-sizing: border-box;
    pointer-events: none;
  }
  .frame {
    position: relative;
  }
  .row + .row {
    margin-top: 18px;
  }
  .swatch {
    display: inline-block;
    width: 10px;
    height: 10px;
    border-radius: 2px;
    margin-right: 4px;
    vertical-align: middle;
  }
`;

type OccImage = OcclusionData['images'][number];

export class ZfOcclusion extends RunView {
  static override styles = [shared, pictureStyles];

  #current(): EpochExperiments | undefined {
    return this.data ? experimentsAt(this.data, this.nav?.epoch) : undefined;
  }

  #className(c: number): string {
    return this.run?.dataset.classes[c] ?? `class ${c}`;
  }

  override render() {
    const at = experimentAt(this.data, this.nav?.epoch, 'occlusion', 'occlusion maps');
    if (!isExperiment(at)) return at;
    const { epoch: x, data: o } = at;
    return html`<div class="panel">
      <h3>Occlusion sensitivity at epoch ${x.epoch}</h3>
      <p class="muted">
        A ${o.size}x${o.size} square of the mean colour slides over each image in steps of ${o.stride} px. Per position:
        the summed activation of the ${o.layer} map with the strongest unit on the clean image, the probability of the
        true class (the paper's Fig. 7 d; dark where covering that part hurts), and the most probable class (e).
      </p>
      ${o.images.map((im) => this.#row(x, o, im))}
    </div>`;
  }

  #row(x: EpochExperiments, o: OcclusionData, im: OccImage) {
    const pic = pictureUrl(x, im.picture);
    const proj = pictureUrl(x, im.projection);
    const act = heatRgba(im.activation);
    const prob = heatRgba(im.probability);
    const m = im.marker;
    // The pictures are probe images: the dataset's height and width.
    const [h, w] = this.run?.dataset.shape ?? [1, 1];
    const pct = (v: number, side: number) => `${(100 * v) / side}%`;
    const minP = Math.min(...im.probability.flat());
    return html`<div class="row" data-image=${im.image}>
      <p>
        Probe image ${im.image}: <b>${this.#className(im.class)}</b>; p(true class) ${num(im.clean.probability, 3)}
        clean, ${num(minP, 3)} at the most harmful position; ${o.layer} map <b data-feature>${im.feature}</b>.
      </p>
      <div class="pics">
        <figure>
          ${pic ? html`<img alt="probe image ${im.image}" src=${pic} />` : ''}
          <figcaption>image (${this.#className(im.class)})</figcaption>
        </figure>
        <figure>
          <div class="frame">
            ${proj ? html`<img alt="projection of ${o.layer} map ${im.feature}" src=${proj} />` : ''}
            <div class="marker" data-marker style="top:${pct(m.top, h)};left:${pct(m.left, w)};width:${pct(m.width, w)};height:${pct(m.height, h)}"></div>
          </div>
          <figcaption>${o.layer} map ${im.feature}, projected; □ the receptive field of its strongest unit</figcaption>
        </figure>
        <figure>
          <img data-map="activation" alt="summed activation per occluder position" src=${rgbaUrl(act)} />
          <figcaption>activation ${num(act.lo, 3)} to ${num(act.hi, 3)} (clean ${num(im.clean.activation, 3)})</figcaption>
        </figure>
        <figure>
          <img data-map="probability" alt="probability of the true class per occluder position" src=${rgbaUrl(prob)} />
          <figcaption>p(${this.#className(im.class)}) ${num(prob.lo, 3)} to ${num(prob.hi, 3)}</figcaption>
        </figure>
        <figure>
          <img data-map="label" alt="most probable class per occluder position" src=${rgbaUrl(labelRgba(im.label))} />
          <figcaption>${labelCounts(im.label)
            .slice(0, 4)
            .map(
              (l) =>
                html`<span><span class="swatch" style="background:rgb(${labelColor(l.label).join(',')})"></span>${this.#className(l.label)} </span>`,
            )}</figcaption>
        </figure>
      </div>
    </div>`;
  }

  /** The figure as one PNG and the numbers as JSON, for the epoch shown. */
  exportItems(): ExportItem[] {
    const x = this.#current();
    const o = x?.occlusion;
    if (!x || !o) return [];
    const base = safeName(this.run?.runId ?? 'run', 'occlusion', `epoch${x.epoch}`);
    return [
      {
        id: 'occlusion-png',
        label: `Occlusion maps at epoch ${x.epoch} (PNG)`,
        make: async () => {
          // The pictures are PNG files on the server: loaded (cached by the browser) before drawing.
          const load = (name: string) => {
            const url = pictureUrl(x, name);
            return url ? loadImage(url) : Promise.reject(new Error(`export: the event names no picture ${name}`));
          };
          const rows = await Promise.all(
            o.images.map(async (im) => {
              const [pic, proj] = await Promise.all([load(im.picture), load(im.projection)]);
              return [
                { img: pic, caption: `image ${im.image}` },
                { img: proj, box: im.marker, caption: `${o.layer} map ${im.feature}` },
                { img: heatRgba(im.activation), caption: 'activation' },
                { img: heatRgba(im.probability), caption: 'p(true class)' },
                { img: labelRgba(im.label), caption: 'most probable' },
              ];
            }),
          );
          return { name: `${base}.png`, blob: await montagePng(rows) };
        },
      },
      {
        id: 'occlusion-json',
        label: `Occlusion maps at epoch ${x.epoch}: data (JSON)`,
        make: async () => ({
          name: `${base}.json`,
          blob: new Blob([JSON.stringify({ epoch: x.epoch, ...o }, null, 1)], { type: 'application/json' }),
        }),
      },
    ];
  }
}

customElements.define('zf-occlusion', ZfOcclusion);
