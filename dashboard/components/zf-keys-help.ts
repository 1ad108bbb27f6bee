/** <zf-keys-help>: the `?` overlay that lists every keyboard shortcut. Esc, a backdrop click or its button close it. */
import { css, html, LitElement } from 'lit';
import { isBackdropClick } from '../render/dialog.js';
import { shared } from '../theme.js';

/** Every key the dashboard answers, by where it works. */
export const KEYS: { where: string; keys: [string, string][] }[] = [
  {
    where: 'Anywhere',
    keys: [
      ['?', 'this list'],
      ['g', 'move focus into the view (the grid’s first cell, Evolution, the feature strip)'],
      ['Tab / Shift+Tab', 'next / previous control'],
    ],
  },
  {
    where: 'Layer grid and Evolution',
    keys: [
      ['← → ↑ ↓', 'move between cells'],
      ['Home / End', 'first / last cell'],
      ['Enter or Space', 'open the cell large'],
    ],
  },
  {
    where: 'Feature dialog',
    keys: [
      ['← →', 'earlier / later snapshot epoch'],
      ['↑ ↓', 'previous / next feature'],
      ['Enter', 'on “Feature page”: open the feature’s own page'],
      ['Esc', 'close (a click outside closes too)'],
    ],
  },
  {
    where: 'Feature page',
    keys: [
      ['← →', 'earlier / later snapshot epoch'],
      ['↑ ↓', 'previous / next feature'],
      ['[ ]', 'previous / next layer'],
      ['Esc', 'back to the layer grid'],
    ],
  },
  { where: 'Epoch scrubber', keys: [['← → Home End', 'step through the snapshot epochs']] },
];

export class ZfKeysHelp extends LitElement {
  static override styles = [
    shared,
    css`
      dialog {
        max-width: min(720px, 92vw);
      }
      kbd {
        font: 12px ui-monospace, monospace;
        background: var(--panel-2);
        border: 1px solid var(--line);
        border-radius: 4px;
        padding: 1px 6px;
      }
      td {
        white-space: normal;
      }
      .top {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
      }
    `,
  ];

  /** Opens the overlay (again focusable: the close button takes focus). */
  show(): void {
    const d = this.renderRoot.querySelector('dialog');
    if (d && !d.open) d.showModal();
  }

  #close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  override render() {
    return html`<dialog aria-labelledby="keys-title" @click=${(e: MouseEvent) => isBackdropClick(e.currentTarget as HTMLDialogElement, e) && this.#close()}>
      <div class="top"><h2 id="keys-title">Keyboard</h2><button class="btn close" @click=${this.#close}>Close (Esc)</button></div>
      <table>
        <thead><tr><th scope="col">where</th><th scope="col">key</th><th scope="col">does</th></tr></thead>
        <tbody>
          ${KEYS.flatMap((g) => g.keys.map(([k, what], i) => html`<tr><td class="muted">${i === 0 ? g.where : ''}</td><td><kbd>${k}</kbd></td><td>${what}</td></tr>`))}
        </tbody>
      </table>
    </dialog>`;
  }
}

customElements.define('zf-keys-help', ZfKeysHelp);
