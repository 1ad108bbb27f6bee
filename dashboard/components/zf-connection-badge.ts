/** <zf-connection-badge>: the /live connection status, always visible (live / connecting / reconnecting in N s). */
import { css, html, LitElement } from 'lit';
import type { ConnectionStatus } from '../state/reducer.js';

export class ZfConnectionBadge extends LitElement {
  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      gap: 8px;
      font-size: 13px;
      color: var(--fg-dim);
    }
    .dot {
      width: 9px;
      height: 9px;
      border-radius: 50%;
      background: var(--warn);
    }
    :host([status='open']) .dot {
      background: var(--good);
      box-shadow: 0 0 0 3px var(--good-soft);
    }
    :host([status='reconnecting']) .dot {
      background: var(--bad);
    }
  `;

  static override properties = {
    status: { reflect: true },
    retryInMs: { attribute: false },
  };
  declare status: ConnectionStatus;
  declare retryInMs: number | undefined;

  constructor() {
    super();
    this.status = 'connecting';
  }

  override render() {
    const text =
      this.status === 'open'
        ? 'live'
        : this.status === 'connecting'
          ? 'connecting…'
          : `server unreachable, retrying${this.retryInMs !== undefined ? ` in ${(this.retryInMs / 1000).toFixed(1)} s` : '…'}`;
    return html`<span class="dot"></span><span role="status" aria-live="polite">${text}</span>`;
  }
}

customElements.define('zf-connection-badge', ZfConnectionBadge);
