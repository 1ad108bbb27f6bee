/**
 * <zf-analysis>: "ask the network" about one feature map at one epoch, from the feature dialog:
 * its optimal input (with a progress bar while the server computes it), the same at every
 * checkpointed epoch as a strip, a class's optimal input, and what each conv layer keeps of one of
 * the feature's top probe images (a row per layer: inversion and whole-layer deconvnet). Stored
 * answers appear at once.
 */
import { css, html, LitElement, nothing } from 'lit';
import type { AnalysisView } from '../../server/protocol.js';
import { analysisImage, checkpointEpochs, followAnalysis, storedAnalyses } from '../data/analyses.js';
import { num } from '../state/format.js';
import { shared } from '../theme.js';

/** One question's state in the view: following it (view), or failed (error). */
interface Asked {
  view?: AnalysisView;
  error?: string;
}

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
      button, select {
        background: var(--panel-2);
        color: var(--fg);
        border: 1px solid var(--line);
        border-radius: 6px;
        padding: 4px 10px;
        font: inherit;
        cursor: pointer;
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
  declare strip: Array<{ epoch: number } & Asked> | undefined;
  declare recon: Asked | undefined;
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

  async #ask(epoch: number, set: (a: Asked) => void, analysis = 'optimal-input', params: Record<string, number | string> = this.#params()): Promise<void> {
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

  async #askStrip(): Promise<void> {
    let epochs: number[];
    try {
      epochs = await checkpointEpochs(this.runId);
    } catch (err) {
      this.strip = [{ epoch: this.epoch, error: (err as Error).message }];
      return;
    }
    this.strip = epochs.map((epoch) => ({ epoch }));
    const update = (epoch: number) => (a: Asked) => (this.strip = this.strip!.map((s) => (s.epoch === epoch ? { epoch, ...a } : s)));
    // All asked at once: the server queues them and computes one after the other.
    await Promise.all(epochs.map((e) => this.#ask(e, update(e))));
  }

  #askClass(): void {
    this.ofClass = { view: undefined };
    void this.#ask(this.epoch, (a) => (this.ofClass = a), 'optimal-input', { class: this.klass ?? 0 });
  }

  #askRecon(): void {
    const image = this.probe ?? this.images[0] ?? 0;
    this.recon = { view: undefined };
    void this.#ask(this.epoch, (a) => (this.recon = a), 'reconstruction', { image });
  }

  /** A done answer's image, or its progress bar, or its error. */
  #answer(a: Asked | undefined, image: (v: AnalysisView) => unknown, label: string) {
    if (!a) return nothing;
    if (a.error) return html`<p class="error" role="alert" data-state="error">${a.error}</p>`;
    const v = a.view;
    if (v?.status === 'done') return html`<img src=${analysisImage(image(v))} alt=${label} data-state="done" />`;
    const frac = v && v.status === 'running' ? v.progress.done / Math.max(1, v.progress.total) : 0;
    const text = !v ? 'asking…' : v.status === 'queued' ? `queued${v.position ? ` (${v.position} ahead)` : ''}` : `${v.progress.done}/${v.progress.total}`;
    return html`<div class="bar" role="progressbar" aria-label=${`${label}: computing`} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(frac * 100)}>
        <span style=${`width:${Math.round(frac * 100)}%`}></span>
      </div>
      <span class="muted" data-state="progress">${text}</span>`;
  }

  #optimalCaption(v: AnalysisView | undefined) {
    if (v?.status !== 'done') return nothing;
    const obj = v.result!.objective as number[];
    const warm = v.result!.warmupSteps as number;
    return html`<span class="muted">epoch ${v.epoch} · objective ${num(obj[0]!, 2)} → ${num(obj.at(-1)!, 2)}${warm >= (v.params.steps as number) ? ' · never fired' : ''}</span>`;
  }

  override render() {
    const o = this.optimal;
    const layers = this.recon?.view?.status === 'done' ? (this.recon.view.result!.layers as Record<string, { pixelError: number; image: string; deconvnet: string }>) : undefined;
    return html`<section aria-label="Ask the network">
      <h3>Ask the network · epoch ${this.epoch}</h3>
      <div class="row">
        <button data-action="optimal-input" @click=${this.#askOptimal}>What does this feature want?</button>
        <button data-action="strip" @click=${this.#askStrip}>…at every epoch</button>
      </div>
      ${o ? html`<div class="row optimal"><figure>${this.#answer(o, (v) => v.result!.image, `optimal input of ${this.layer} feature ${this.feature}`)}${this.#optimalCaption(o.view)}</figure></div>` : nothing}
      ${this.strip
        ? html`<div class="row strip" aria-label="optimal input at every epoch">
            ${this.strip.map((s) => html`<figure data-epoch=${s.epoch}>${this.#answer(s, (v) => v.result!.image, `optimal input at epoch ${s.epoch}`)}<span class="muted">epoch ${s.epoch}</span></figure>`)}
          </div>`
        : nothing}
      <div class="row">
        <label class="muted">class
          <select @change=${(e: Event) => (this.klass = Number((e.target as HTMLSelectElement).value))}>
            ${(this.classes ?? []).map((c, i) => html`<option value=${i}>${c}</option>`)}
          </select>
        </label>
        <button data-action="class" @click=${this.#askClass}>What does this class want?</button>
      </div>
      ${this.ofClass ? html`<div class="row of-class"><figure>${this.#answer(this.ofClass, (v) => v.result!.image, 'optimal input of the class')}${this.#optimalCaption(this.ofClass.view)}</figure></div>` : nothing}
      <div class="row">
        <label class="muted">probe image
          <select @change=${(e: Event) => (this.probe = Number((e.target as HTMLSelectElement).value))}>
            ${this.images.map((i) => html`<option value=${i}>${i}</option>`)}
          </select>
        </label>
        <button data-action="reconstruction" @click=${this.#askRecon}>What does each layer keep of it?</button>
      </div>
      ${this.recon && !layers ? html`<div class="row">${this.#answer(this.recon, () => '', 'reconstruction')}</div>` : nothing}
      ${layers
        ? html`<div class="row layers" aria-label="reconstruction from each layer">
            <figure><img src=${analysisImage(this.recon!.view!.result!.original)} alt="the probe image" /><span class="muted">image ${this.recon!.view!.result!.image as number}</span></figure>
            ${Object.entries(layers).map(
              ([name, l]) => html`<figure data-layer=${name}>
                <img src=${analysisImage(l.image)} alt=${`reconstruction from ${name}`} />
                <img src=${analysisImage(l.deconvnet)} alt=${`whole-layer deconvnet of ${name}`} />
                <span class="muted">${name} · pixel error ${num(l.pixelError, 2)}</span>
              </figure>`,
            )}
          </div>`
        : nothing}
    </section>`;
  }
}

customElements.define('zf-analysis', ZfAnalysis);
