/**
 * <zf-analysis>: "ask the network" about one feature map at one epoch, from the feature dialog:
 * its optimal input (with a progress bar while the server computes it), the same at every
 * checkpointed epoch as a strip, a class's optimal input, and what each conv layer keeps of one of
 * the feature's top probe images (a row per layer: inversion and whole-layer deconvnet). Stored
 * answers appear at once.
 */
import { css, html, LitElement, nothing } from 'lit';
import { checkpointEpochs, followAnalysis, storedAnalyses } from '../data/analyses.js';
import { answer, optimalCaption, reconstructionRow, type Asked } from '../render/analysis.js';
import { shared } from '../theme.js';

type Strip = Array<{ epoch: number } & Asked>;

export class ZfAnalysis extends LitElement {
  static override styles = [
    shared,
    css`
      section {
        margin-top: 18px;
        border-top: 1px solid var(--line);
        padding-top: 14px;
      }
      .row {
        display: flex;
        gap: 12px;
        align-items: flex-start;
        flex-wrap: wrap;
        margin-bottom: 10px;
      }
      figure {
        margin: 0;
        display: flex;
        flex-direction: column;
        gap: 4px;
        font-size: 12px;
        align-items: center;
      }
      img {
        width: 112px;
        height: 112px;
        image-rendering: pixelated;
        border: 1px solid var(--line);
      }
      .strip img, .layers img {
        width: 84px;
        height: 84px;
      }
      .bar {
        width: 112px;
        height: 8px;
        border-radius: 4px;
        background: var(--panel-2);
        overflow: hidden;
        border: 1px solid var(--line);
      }
      .bar span {
        display: block;
        height: 100%;
        background: var(--accent, #6aa9ff);
      }
      .error {
        color: var(--bad, #ff7a7a);
      }
    `,
  ];

  static override properties = {
    runId: { attribute: false },
    layer: { attribute: false },
    feature: { attribute: false },
    epoch: { attribute: false },
    images: { attribute: false },
    classes: { attribute: false },
    optimal: { state: true },
    ofClass: { state: true },
    klass: { state: true },
    strip: { state: true },
    recon: { state: true },
    probe: { state: true },
  };
  /** The run, layer, feature map and epoch asked about. */
  declare runId: string;
  declare layer: string;
  declare feature: number;
  declare epoch: number;
  /** Probe images offered for reconstruction (the feature's top images). */
  declare images: number[];
  /** The run's class names (for "what does this class want?"). */
  declare classes: string[];
  declare ofClass: Asked | undefined;
  declare klass: number | undefined;
  declare optimal: Asked | undefined;
  declare strip: Strip | undefined;
  /** One row per epoch asked (this epoch, or every checkpointed one). */
  declare recon: Strip | undefined;
  declare probe: number | undefined;
  readonly #stop = new AbortController();

  override connectedCallback(): void {
    super.connectedCallback();
    this.#loadStored();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // Another feature or epoch in the same dialog: its own answers, not the last one's.
    const moved = ['runId', 'layer', 'feature', 'epoch'].some((k) => changed.has(k) && changed.get(k) !== undefined);
    if (moved) {
      this.optimal = this.strip = this.recon = this.ofClass = undefined;
      this.#loadStored();
    }
  }

  #loadStored(): void {
    // Stored answers to this feature's question appear at once, without asking anything new.
    storedAnalyses(this.runId, 'optimal-input').then(
      (views) => {
        const mine = views.filter((v) => v.params.layer === this.layer && v.params.feature === this.feature);
        const here = mine.find((v) => v.epoch === this.epoch);
        if (here && !this.optimal) this.optimal = { view: here };
      },
      () => undefined, // no stored answers (or no checkpoints): the buttons say so when pressed
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stop.abort();
  }

  #params() {
    return { layer: this.layer, feature: this.feature };
  }

  async #ask(
    epoch: number,
    set: (a: Asked) => void,
    analysis = 'optimal-input',
    params: Record<string, number | string> = this.#params(),
  ): Promise<void> {
    try {
      await followAnalysis(this.runId, { analysis, epoch, params }, (view) => set({ view }), this.#stop.signal);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') set({ error: (err as Error).message });
    }
  }

  #askOptimal(): void {
    this.optimal = { view: undefined };
    void this.#ask(this.epoch, (a) => (this.optimal = a));
  }

  /** Asks at every checkpointed epoch, all at once (the server queues them); `set` receives the rows. */
  async #everyEpoch(
    set: (rows: Strip) => void,
    analysis: string,
    params: Record<string, number | string>,
  ): Promise<void> {
    let epochs: number[];
    try {
      epochs = await checkpointEpochs(this.runId);
    } catch (err) {
      set([{ epoch: this.epoch, error: (err as Error).message }]);
      return;
    }
    let rows: Strip = epochs.map((epoch) => ({ epoch }));
    set(rows);
    const update = (epoch: number) => (a: Asked) => {
      rows = rows.map((s) => (s.epoch === epoch ? { epoch, ...a } : s));
      set(rows);
    };
    await Promise.all(epochs.map((e) => this.#ask(e, update(e), analysis, params)));
  }

  #askClass(): void {
    this.ofClass = { view: undefined };
    void this.#ask(this.epoch, (a) => (this.ofClass = a), 'optimal-input', { class: this.klass ?? 0 });
  }

  #askRecon(every: boolean): void {
    const params = { image: this.probe ?? this.images[0] ?? 0 };
    if (every) void this.#everyEpoch((rows) => (this.recon = rows), 'reconstruction', params);
    else {
      this.recon = [{ epoch: this.epoch }];
      void this.#ask(this.epoch, (a) => (this.recon = [{ epoch: this.epoch, ...a }]), 'reconstruction', params);
    }
  }

  override render() {
    const o = this.optimal;
    return html`<section aria-label="Ask the network">
      <h3>Ask the network · epoch ${this.epoch}</h3>
      <div class="row">
        <button class="btn" data-action="optimal-input" @click=${this.#askOptimal}>What does this feature want?</button>
        <button class="btn" data-action="strip" @click=${() => this.#everyEpoch((rows) => (this.strip = rows), 'optimal-input', this.#params())}>…at every epoch</button>
      </div>
      ${o ? html`<div class="row optimal"><figure>${answer(o, (v) => v.result!.image, `optimal input of ${this.layer} feature ${this.feature}`)}${optimalCaption(o.view)}</figure></div>` : nothing}
      ${
        this.strip
          ? html`<div class="row strip" aria-label="optimal input at every epoch">
            ${this.strip.map((s) => html`<figure data-epoch=${s.epoch}>${answer(s, (v) => v.result!.image, `optimal input at epoch ${s.epoch}`)}<span class="muted">epoch ${s.epoch}</span></figure>`)}
          </div>`
          : nothing
      }
      <div class="row">
        <label class="muted">class
          <select @change=${(e: Event) => (this.klass = Number((e.target as HTMLSelectElement).value))}>
            ${(this.classes ?? []).map((c, i) => html`<option value=${i}>${c}</option>`)}
          </select>
        </label>
        <button class="btn" data-action="class" @click=${this.#askClass}>What does this class want?</button>
      </div>
      ${this.ofClass ? html`<div class="row of-class"><figure>${answer(this.ofClass, (v) => v.result!.image, 'optimal input of the class')}${optimalCaption(this.ofClass.view)}</figure></div>` : nothing}
      <div class="row">
        <label class="muted">probe image
          <select @change=${(e: Event) => (this.probe = Number((e.target as HTMLSelectElement).value))}>
            ${this.images.map((i) => html`<option value=${i}>${i}</option>`)}
          </select>
        </label>
        <button class="btn" data-action="reconstruction" @click=${() => this.#askRecon(false)}>What does each layer keep of it?</button>
        <button class="btn" data-action="reconstruction-strip" @click=${() => this.#askRecon(true)}>…at every epoch</button>
      </div>
      ${this.recon ? html`<div class="recon">${this.recon.map((r) => reconstructionRow(r.epoch, r))}</div>` : nothing}
    </section>`;
  }
}

customElements.define('zf-analysis', ZfAnalysis);
