/**
 * <zf-evolution>: ZF Fig. 4 — rows of feature maps, columns of snapshot epochs, each cell the
 * strongest activation's projection at that epoch. The scrubber's epoch is the highlighted column;
 * sudden jumps are marked with their score, and ⟳ when the top image changed. Rows render lazily;
 * thumbnails grow with the window. A cell opens the feature dialog at its epoch (click, or arrows
 * and Enter: one cell in the tab order), and from there the feature's page.
 */
import { css, html } from 'lit';
import { legend } from '../../training/viz/diagnostics/rules.js';
import { rulesOf } from '../render/marks.js';
import { repeat } from 'lit/directives/repeat.js';
import type { LayerSnapshot } from '../../server/protocol.js';
import { RunView } from './run-view.js';
import { ResizeController } from '../controllers/resize-controller.js';
import { VisibilityController } from '../controllers/visibility-controller.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { canvasPng, type ExportItem, safeName } from '../export/download.js';
import { drawMontage, evolutionLayout } from '../export/montage.js';
import { evolutionMarks } from '../state/evolution.js';
import { evolutionThumb } from '../state/fit.js';
import { num } from '../state/format.js';
import { resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import { formatHash } from '../state/url.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { blankTile, tile } from '../render/tile.js';
import { shared } from '../theme.js';
import './zf-feature-dialog.js';

export class ZfEvolution extends RunView {
  static override styles = [
    shared,
    css`
      table {
        width: 100%;
        table-layout: fixed;
      }
      col.fidcol {
        width: 56px;
      }
      td,
      th {
        padding: 4px 6px;
        border: 0;
        vertical-align: top;
      }
      th.cur,
      td.cur {
        background: var(--accent-soft);
        color: var(--fg);
      }
      .sr {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      th button {
        background: none;
        border: 0;
        color: inherit;
        font: inherit;
        cursor: pointer;
      }
      .cellbox {
        position: relative;
        cursor: pointer;
        width: fit-content;
        margin: 0 auto;
      }
      .cellbox:focus {
        outline: 3px solid var(--accent);
        outline-offset: 2px;
      }
      .mark {
        position: absolute;
        left: 2px;
        top: 2px;
        font-size: 10px;
        padding: 0 4px;
        border-radius: 4px;
        background: rgba(15, 18, 23, 0.85);
        color: var(--warn);
        border: 1px solid var(--warn);
        font-weight: 700;
      }
      tr.sel td {
        background: rgba(110, 168, 254, 0.1);
      }
      tr.sel .fid {
        color: var(--accent);
        font-weight: 700;
      }
      .fid {
        color: var(--fg-dim);
        font-size: 12px;
        text-align: right;
        padding-top: 10px;
      }
    `,
  ];

  readonly #visible = new VisibilityController(this);
  readonly #size = new ResizeController(this);
  #scrolledTo?: string;
  /** The cell in the tab order (roving tabindex): [feature index, epoch]. */
  #focus?: [number, number];
  #wasOpen?: [number, number];
  #shown?: { snaps: LayerSnapshot[]; refs: SnapshotRef[]; method: string };

  /** `g` and the skip link: focus the current cell. */
  focusView(): boolean {
    const cell = this.renderRoot.querySelector<HTMLElement>('.cellbox[tabindex="0"]');
    cell?.focus();
    return !!cell;
  }

  #cellKeydown(e: KeyboardEvent): void {
    const box = (e.composedPath()[0] as HTMLElement).closest?.('.cellbox') as HTMLElement | null;
    if (!box) return;
    const rows = [...this.renderRoot.querySelectorAll<HTMLElement>('tbody tr')];
    const r = rows.indexOf(box.closest('tr')!);
    const cols = [...rows[r]!.querySelectorAll<HTMLElement>('.cellbox')];
    const c = cols.indexOf(box);
    const moves: Record<string, [number, number]> = {
      ArrowRight: [0, 1],
      ArrowLeft: [0, -1],
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      Home: [-r, -c],
      End: [rows.length - 1 - r, cols.length - 1 - c],
    };
    if (e.key in moves) {
      e.preventDefault();
      const [dr, dc] = moves[e.key]!;
      const nr = Math.min(rows.length - 1, Math.max(0, r + dr));
      const next = rows[nr]!.querySelectorAll<HTMLElement>('.cellbox')[Math.min(cols.length - 1, Math.max(0, c + dc))]!;
      box.tabIndex = -1;
      next.tabIndex = 0;
      this.#focus = [Number(rows[nr]!.dataset.index), Number(next.dataset.epoch)];
      next.focus();
      next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      navigateFrom(this, { feature: Number(box.closest('tr')!.dataset.index), epoch: Number(box.dataset.epoch) });
    }
  }

  /** Downloads: the table as shown, every feature's strongest projection at every epoch (PNG). */
  exportItems(): ExportItem[] {
    const s = this.#shown;
    if (!s || !this.run) return [];
    const urls = s.snaps.map((snap, i) =>
      blobUrl(
        s.refs[i]!,
        snap.files.projections[s.method] ?? Object.values(snap.files.projections)[0]!,
        this.run!.runId,
      ),
    );
    const layer = s.snaps[0]!.layer;
    const indices = s.snaps.at(-1)!.maps.map((m) => m.index);
    const scale = Math.max(1, Math.round(64 / Math.max(...s.snaps.map((x) => x.atlas.tile))));
    return [
      {
        id: 'evolution-montage',
        label: `${layer} evolution: ${indices.length} features x ${s.snaps.length} epochs, ${s.method} (PNG)`,
        make: async () => ({
          blob: await canvasPng(await drawMontage(evolutionLayout(s.snaps, urls, indices, scale))),
          name: `${safeName(this.run!.runId, layer, s.method)}-evolution.png`,
        }),
      },
    ];
  }

  /** A shared link names a feature: bring its row into view once. Focus returns to the cell a closed dialog came from. */
  override updated(): void {
    if (this.#wasOpen && this.nav.feature === undefined) {
      const cell = this.renderRoot.querySelector<HTMLElement>(
        `tr[data-index="${this.#wasOpen[0]}"] .cellbox[data-epoch="${this.#wasOpen[1]}"]`,
      );
      if (cell) {
        this.renderRoot.querySelector<HTMLElement>('.cellbox[tabindex="0"]')?.setAttribute('tabindex', '-1');
        cell.tabIndex = 0;
        this.#focus = [...this.#wasOpen];
        cell.focus();
      }
    }
    this.#wasOpen =
      this.nav.feature !== undefined && this.nav.epoch !== undefined ? [this.nav.feature, this.nav.epoch] : undefined;
    const key = `${this.nav.layer}/${this.nav.feature}`;
    if (this.nav.feature === undefined || key === this.#scrolledTo) return;
    const row = this.renderRoot.querySelector(`tr[data-index="${this.nav.feature}"]`);
    if (!row) return;
    this.#scrolledTo = key;
    row.scrollIntoView({ block: 'center' });
  }

  override render() {
    const d = this.data;
    if (!d?.loaded || !this.run) return loadingState('snapshots');
    if (!d.epochs.length) return emptyState('No snapshots yet.', 'Evolution needs at least one snapshot epoch.');
    const current = resolveEpoch(d.epochs, this.nav.epoch)!;
    const layer = this.nav.layer && d.layers.includes(this.nav.layer) ? this.nav.layer : d.layers[0]!;
    const epochs = d.epochs.filter((e) => d.snapshots[e]?.[layer]);
    const refs = epochs.map((e) => d.snapshots[e]![layer]!);
    const methods = refs.at(-1)!.methods;
    const method = pickMethod(methods, this.nav.method);
    const need = this.snaps.need(refs.map((r) => r.indexUrl));
    const toolbar = html`<div class="toolbar">${layerPicker(this, d.layers, layer)} ${methodPicker(this, methods, method)}
      <span class="muted" data-legend title=${legend('jump', rulesOf(undefined))}>strongest activation of each feature at each snapshot epoch; marks: <b>⟳</b> jump, the strongest activation now comes from another image · <b>△</b> jump, same top image; a new top image alone is not marked (it changes at most snapshots)</span></div>`;
    if (need.error) return html`${toolbar}${errorState(need.error, () => this.snaps.retry())}`;
    const snaps = refs.map((r) => need.ready.get(r.indexUrl));
    if (snaps.some((s) => !s)) return html`${toolbar}${loadingState(`${layer} across ${epochs.length} epochs`)}`;
    const all = snaps as LayerSnapshot[];
    const last = all.at(-1)!;
    this.#shown = { snaps: all, refs, method };
    if (!this.#focus || !last.maps.some((m) => m.index === this.#focus![0]) || !epochs.includes(this.#focus[1]))
      this.#focus = [last.maps[0]!.index, current];
    // Thumbnails as large as the width allows: the panel's padding, the label column, each cell's padding.
    const thumb = evolutionThumb((this.#size.width || 1200) - 34, epochs.length, {
      label: 56,
      pad: 14,
      min: 40,
      max: 256,
    });
    const open =
      this.nav.feature !== undefined
        ? all.find((s) => s.epoch === current)?.maps.find((m) => m.index === this.nav.feature)
        : undefined;
    const openSnap = all.find((s) => s.epoch === current)!;
    return html`${toolbar}
      <div class="panel">
        <table data-layer=${layer} data-thumb=${thumb} @keydown=${this.#cellKeydown}>
          <colgroup><col class="fidcol" />${epochs.map(() => html`<col />`)}</colgroup>
          <thead><tr><th scope="col"><span class="muted">feature</span></th>${epochs.map((e) => html`<th scope="col" class=${e === current ? 'cur' : ''}><button @click=${() => navigateFrom(this, { epoch: e })}>epoch ${e}</button></th>`)}</tr></thead>
          <tbody>
            ${repeat(
              last.maps,
              (m) => `${this.run!.runId}/${layer}/${m.index}`,
              (m) => this.#row(all, refs, method, m.index, current, thumb),
            )}
          </tbody>
        </table>
      </div>
      ${
        open
          ? html`<zf-feature-dialog .snapshot=${openSnap} .ref=${refs[all.indexOf(openSnap)]} .runId=${this.run.runId} .method=${method} .map=${open} .classes=${this.run.dataset.classes}
            .epochs=${epochs} .indices=${last.maps.map((m) => m.index)}
            .pageHref=${formatHash({ ...this.nav, view: 'feature', run: this.run.runId, layer, feature: open.index, epoch: current })}></zf-feature-dialog>`
          : ''
      }`;
  }

  #row(all: LayerSnapshot[], refs: SnapshotRef[], method: string, index: number, current: number, thumb: number) {
    const key = `${this.run!.runId}/${all[0]!.layer}/${index}`;
    const seen = this.#visible.seen.has(key);
    const marks = evolutionMarks(all, index);
    return html`<tr data-row=${key} data-index=${index} class=${this.nav.feature === index ? 'sel' : ''}>
      <th scope="row" class="fid">#${index}</th>
      ${all.map((s, i) => {
        const map = s.maps.find((m) => m.index === index);
        const mk = marks[i]!;
        const scale = thumb / s.atlas.tile;
        const file = s.files.projections[method] ?? Object.values(s.files.projections)[0]!;
        const focusable = this.#focus![0] === index && this.#focus![1] === s.epoch;
        return html`<td class=${s.epoch === current ? 'cur' : ''}>
          <div class="cellbox" role="button" tabindex=${focusable ? '0' : '-1'} data-epoch=${s.epoch}
            @click=${(e: Event) => {
              this.#focus = [index, s.epoch];
              (e.currentTarget as HTMLElement).focus();
              navigateFrom(this, { epoch: s.epoch, feature: index });
            }}>
            <span class="sr">feature ${index} at epoch ${s.epoch}${map?.top.length ? '' : ', never active'}${mk.jump ? (mk.jump === 'new-source' ? ', jump: new top image' : ', jump: same top image') : ''}: open large</span>
            <div aria-hidden="true">${seen && map?.top.length ? tile(blobUrl(refs[i]!, file, this.run!.runId), s.atlas, 0, index, scale) : blankTile(s.atlas.tile * scale)}</div>
            ${
              mk.jump
                ? html`<span class="mark" data-jump=${mk.jump} title=${`${mk.jump === 'new-source' ? 'jump: the strongest activation now comes from another image' : 'jump: same top image, the response changed'} (z = ${num(mk.jumpZ, 1)})`}>${mk.jump === 'new-source' ? '⟳' : '△'} ${num(mk.jumpZ, 0)}</span>`
                : ''
            }
          </div>
        </td>`;
      })}
    </tr>`;
  }
}

customElements.define('zf-evolution', ZfEvolution);
