/**
 * <zf-export-menu>: the app's download button and share link. "Download" lists what the current
 * view offers (asked of `source` when opened: atlases, montages, chart PNG/CSV/JSON) and saves the
 * chosen one; "Share link" copies the page URL, which holds the whole view (run, view, layer,
 * feature, epoch, method, compare, axis), and shows it.
 */
import { css, html, LitElement } from 'lit';
import { type ExportItem, saveBlob } from '../export/download.js';
import { shared } from '../theme.js';

export class ZfExportMenu extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        position: relative;
        display: inline-flex;
        gap: 8px;
        align-items: center;
      }
      ul {
        position: absolute;
        right: 0;
        top: calc(100% + 6px);
        z-index: 20;
        margin: 0;
        padding: 6px;
        list-style: none;
        background: var(--panel);
        border: 1px solid var(--line);
        border-radius: 8px;
        min-width: 320px;
        box-shadow: 0 8px 24px rgba(0, 0, 0, 0.45);
      }
      li button {
        display: block;
        width: 100%;
        text-align: left;
        background: none;
        border: 0;
        color: var(--fg);
        padding: 6px 10px;
        font: inherit;
        cursor: pointer;
        border-radius: 4px;
      }
      li button:hover,
      li button:focus-visible {
        background: var(--accent-soft);
      }
      .status {
        font-size: 12px;
        max-width: 360px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      input {
        width: 280px;
        background: var(--panel-2);
        color: var(--fg);
        border: 1px solid var(--line);
        border-radius: 6px;
        padding: 4px 6px;
        font: 12px var(--font);
      }
    `,
  ];

  static override properties = {
    source: { attribute: false },
    view: { attribute: false },
    open: { state: true },
    items: { state: true },
    status: { state: true },
    link: { state: true },
  };
  declare source: () => ExportItem[];
  /** The view shown (its URL hash): when it changes, a shown link and status are dropped. */
  declare view: string;
  declare open: boolean;
  declare items: ExportItem[];
  declare status: string;
  declare link: string;

  constructor() {
    super();
    this.source = () => [];
    this.open = false;
    this.items = [];
    this.status = '';
    this.link = '';
  }

  // A shown link or status belongs to the view it was made for: drop it when the view changes.
  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('view') && changed.get('view') !== undefined) {
      this.link = '';
      this.status = '';
      this.open = false;
    }
  }

  #toggle(): void {
    this.open = !this.open;
    if (this.open) {
      this.items = this.source();
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('li button')?.focus());
    }
  }

  async #save(item: ExportItem): Promise<void> {
    this.open = false;
    this.status = `preparing ${item.label}…`;
    try {
      const { blob, name } = await item.make();
      saveBlob(blob, name);
      this.status = `saved ${name} (${Math.max(1, Math.round(blob.size / 1024))} KB)`;
    } catch (err) {
      this.status = err instanceof Error ? err.message : String(err);
    }
  }

  async #share(): Promise<void> {
    this.link = location.href;
    try {
      await navigator.clipboard.writeText(this.link);
      this.status = 'link copied';
    } catch {
      this.status = 'select the link to copy it';
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('input')?.select();
  }

  #keydown(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this.open) {
      e.stopPropagation();
      this.open = false;
      this.renderRoot.querySelector<HTMLButtonElement>('.download')?.focus();
    }
  }

  override render() {
    return html`<span class="status muted" role="status" data-export-status>${this.status}</span>
      ${this.link ? html`<input readonly aria-label="Link to this view" data-share-link .value=${this.link} />` : ''}
      <button class="btn share" data-share @click=${() => this.#share()}>Share link</button>
      <span @keydown=${this.#keydown}>
        <button class="btn download" aria-haspopup="true" aria-expanded=${this.open ? 'true' : 'false'} data-download @click=${this.#toggle}>Download ▾</button>
        ${
          this.open
            ? html`<ul aria-label="Downloads">
              ${
                this.items.length
                  ? this.items.map(
                      (it) =>
                        html`<li><button data-export=${it.id} @click=${() => this.#save(it)}>${it.label}</button></li>`,
                    )
                  : html`<li class="muted" style="padding:6px 10px">Nothing to download in this view yet.</li>`
              }
            </ul>`
            : ''
        }
      </span>`;
  }
}

customElements.define('zf-export-menu', ZfExportMenu);
