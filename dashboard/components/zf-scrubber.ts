/**
 * <zf-scrubber>: the global epoch scrubber shared by every snapshot view. A range over the snapshot
 * epochs (arrow keys, Home/End move it natively), a tick per epoch, play/pause that steps through
 * them, and "latest" to follow new snapshots as they arrive.
 */
import { css, html, LitElement } from 'lit';
import { navigateFrom } from '../events.js';
import { shared } from '../theme.js';

const STEP_MS = 900;

export class ZfScrubber extends LitElement {
  static override styles = [
    shared,
    css`
      .row {
        display: flex;
        align-items: center;
        gap: 14px;
      }
      input[type='range'] {
        flex: 1;
        max-width: 520px;
        accent-color: var(--accent);
      }
      .ticks {
        display: flex;
        gap: 4px;
      }
      .ticks button,
      .play,
      .latest {
        background: var(--panel-2);
        color: var(--fg-dim);
        border: 1px solid var(--line);
        border-radius: 6px;
        padding: 2px 8px;
        font: inherit;
        font-size: 12px;
        cursor: pointer;
        font-variant-numeric: tabular-nums;
      }
      .ticks button[aria-pressed='true'] {
        background: var(--accent-soft);
        color: var(--fg);
        border-color: var(--accent);
      }
      .latest[aria-pressed='true'] {
        color: var(--good);
        border-color: var(--good);
      }
      .epoch {
        font-weight: 600;
        min-width: 80px;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  static override properties = {
    epochs: { attribute: false },
    epoch: { attribute: false },
    following: { attribute: false },
    playing: { state: true },
  };
  declare epochs: number[];
  declare epoch: number | undefined;
  declare following: boolean;
  declare playing: boolean;
  #timer?: ReturnType<typeof setInterval>;

  constructor() {
    super();
    this.epochs = [];
    this.following = true;
    this.playing = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stop();
  }

  #set(epoch: number): void {
    navigateFrom(this, { epoch });
  }

  #togglePlay(): void {
    if (this.playing) {
      this.#stop();
      return;
    }
    this.playing = true;
    let i = this.epochs.indexOf(this.epoch ?? -1);
    if (i < 0 || i >= this.epochs.length - 1) i = -1;
    this.#set(this.epochs[i + 1]!);
    this.#timer = setInterval(() => {
      const j = this.epochs.indexOf(this.epoch ?? -1) + 1;
      if (j >= this.epochs.length) return this.#stop();
      this.#set(this.epochs[j]!);
    }, STEP_MS);
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.playing = false;
  }

  override render() {
    const idx = Math.max(0, this.epochs.indexOf(this.epoch ?? -1));
    return html`<div class="row">
      <button class="play" aria-label=${this.playing ? 'Pause' : 'Play through epochs'} @click=${this.#togglePlay}>${this.playing ? '❚❚ pause' : '▶ play'}</button>
      <span class="epoch" data-epoch=${this.epoch ?? ''}>epoch ${this.epoch ?? '—'}</span>
      <input
        type="range"
        aria-label="Snapshot epoch"
        min="0"
        max=${Math.max(0, this.epochs.length - 1)}
        step="1"
        .value=${String(idx)}
        aria-valuetext=${`epoch ${this.epoch}`}
        @input=${(e: Event) => this.#set(this.epochs[Number((e.target as HTMLInputElement).value)]!)}
      />
      <div class="ticks">
        ${this.epochs.map((e) => html`<button tabindex="-1" aria-pressed=${e === this.epoch ? 'true' : 'false'} @click=${() => this.#set(e)}>${e}</button>`)}
      </div>
      <button class="latest" aria-pressed=${this.following ? 'true' : 'false'} title="Follow the newest snapshot" @click=${() => navigateFrom(this, { epoch: null })}>latest</button>
    </div>`;
  }
}

customElements.define('zf-scrubber', ZfScrubber);
