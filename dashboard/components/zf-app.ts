/**
 * <zf-app>: the shell. Owns the store and the /live connection, keeps the URL hash and the shown
 * view in step, renders the header (run picker, connection status), the view tabs with the
 * download menu and share link, the global epoch scrubber, the run banners (trainer offline,
 * failed) and the current view from the registry. Keys: a skip link first in the tab order and
 * `g` move focus into the view, `?` lists every key.
 */
import { html, LitElement } from 'lit';
import type { RunInfo } from '../../server/protocol.js';
import { LiveConnection } from '../controllers/live-connection.js';
import { liveUrl } from '../data/api.js';
import type { NavigateEvent } from '../events.js';
import { chartExports } from '../export/charts.js';
import { type ExportItem, isExporting } from '../export/download.js';
import { isTyping } from '../render/dialog.js';
import { convLabel } from '../state/format.js';
import { resolveEpoch, runDisplayStatus } from '../state/reducer.js';
import { Store } from '../state/store.js';
import { formatHash, type NavPatch, type NavState, navigate, parseHash } from '../state/url.js';
import { shared } from '../theme.js';
import { VIEWS, viewById } from '../views.js';
import { appStyles } from './zf-app.styles.js';
import './zf-connection-badge.js';
import './zf-export-menu.js';
import './zf-keys-help.js';
import type { ZfKeysHelp } from './zf-keys-help.js';
import './zf-scrubber.js';

export class ZfApp extends LitElement {
  static override styles = [shared, appStyles];

  static override properties = { nav: { state: true } };
  declare nav: NavState;

  readonly store = new Store();
  readonly live = new LiveConnection(this, this.store, liveUrl);
  #unsubscribe?: () => void;
  #onHash = () => (this.nav = parseHash(location.hash));
  #onKey = (e: KeyboardEvent) => this.#key(e);

  constructor() {
    super();
    this.nav = parseHash(location.hash);
    this.addEventListener('zf-navigate', (e: NavigateEvent) => this.go(e.detail));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = this.store.subscribe(() => this.requestUpdate());
    window.addEventListener('hashchange', this.#onHash);
    window.addEventListener('keydown', this.#onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
    window.removeEventListener('hashchange', this.#onHash);
    window.removeEventListener('keydown', this.#onKey);
  }

  /** The element of the view shown (the first child of <main>). */
  #viewElement(): HTMLElement | null {
    return this.renderRoot.querySelector('main')?.firstElementChild as HTMLElement | null;
  }

  /** Focus into the view: its own focus target (grid cell, Evolution cell, strip), else <main>. */
  focusView(): void {
    const el = this.#viewElement() as (HTMLElement & { focusView?: () => boolean }) | null;
    if (el?.focusView?.()) return;
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }

  #key(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTyping(e)) return;
    const help = this.renderRoot.querySelector<ZfKeysHelp>('zf-keys-help');
    // `?` works over the feature dialog too (the overlay opens on top of it); other keys belong to an open dialog.
    if (e.key === '?' && !e.composedPath().includes(help!)) {
      e.preventDefault();
      help?.show();
      return;
    }
    if (e.composedPath().some((n) => n instanceof HTMLDialogElement)) return;
    if (e.key === 'g') {
      e.preventDefault();
      this.focusView();
    }
  }

  /** What the download menu offers: the view's own items, then every chart it draws. */
  #exports(): ExportItem[] {
    const el = this.#viewElement();
    const nav = this.#effectiveNav();
    const own = isExporting(el) ? el.exportItems() : [];
    return [...own, ...(el?.shadowRoot ? chartExports(el.shadowRoot, `${nav.run ?? 'zfscope'}-${nav.view}`) : [])];
  }

  /** Apply a navigation request: scrubbing replaces the history entry, everything else pushes one. */
  go(patch: NavPatch): void {
    const next = navigate(this.nav, patch);
    const hash = formatHash(next);
    if (hash === location.hash) return;
    const minor = Object.keys(patch).every((k) => k === 'epoch' || k === 'feature');
    history[minor ? 'replaceState' : 'pushState'](null, '', hash);
    this.nav = next;
  }

  /** The nav with defaults filled in: the newest run, and for compare the first other run. */
  #effectiveNav(): NavState {
    const runs = this.store.state.runs;
    const nav = { ...this.nav };
    if (!nav.run && runs.length) nav.run = runs[0]!.runId;
    if (!nav.compare && nav.view === 'compare') nav.compare = runs.find((r) => r.runId !== nav.run)?.runId;
    return nav;
  }

  override render() {
    const state = this.store.state;
    const nav = this.#effectiveNav();
    const view = viewById(nav.view);
    const run = state.runs.find((r) => r.runId === nav.run);
    // Subscribe only to runs the server listed: an unknown id is an error state, not a subscription.
    if (run) this.live.watch(run.runId);
    if (view.id === 'compare' && nav.compare && state.runs.some((r) => r.runId === nav.compare))
      this.live.watch(nav.compare);
    const data = nav.run ? state.data[nav.run] : undefined;
    document.title = run && view.needsRun ? `${view.title} · ${run.runId} · zfscope` : 'zfscope';
    const epochs = data?.epochs ?? [];
    return html`
      <a class="skip" href="#main" @click=${(e: Event) => {
        e.preventDefault();
        this.focusView();
      }}>Skip to the ${view.title.toLowerCase()}</a>
      <header>
        <div class="brand">zf<span>scope</span></div>
        ${
          state.runs.length
            ? html`<label class="muted">run
              <select aria-label="Run" @change=${(e: Event) => this.go({ run: (e.target as HTMLSelectElement).value })}>
                ${state.runs.map((r) => html`<option value=${r.runId} ?selected=${r.runId === nav.run}>${r.runId}</option>`)}
              </select></label>`
            : ''
        }
        ${run ? html`<span class="run-meta">${run.dataset.name} · conv1 ${convLabel(run.config.conv1)} · ${run.backend}</span>` : ''}
        <span class="spacer"></span>
        <button class="keys" title="Keyboard shortcuts (press ?)" @click=${() => this.renderRoot.querySelector<ZfKeysHelp>('zf-keys-help')?.show()}>Keys (?)</button>
        <zf-connection-badge .status=${state.connection} .retryInMs=${state.retryInMs}></zf-connection-badge>
      </header>
      <nav aria-label="Views">
        ${VIEWS.filter((v) => v.tab !== false || v.id === nav.view).map(
          (v) =>
            html`<a href=${formatHash({ ...this.nav, view: v.id })} aria-current=${v.id === nav.view ? 'page' : 'false'} data-view=${v.id}>${v.id === 'feature' ? `Feature ${nav.layer ?? ''} #${nav.feature ?? 0}` : v.title}</a>`,
        )}
        <zf-export-menu .source=${() => this.#exports()} .view=${formatHash(this.nav)}></zf-export-menu>
      </nav>
      ${view.needsRun ? this.#banners(run) : ''}
      ${
        view.usesEpoch && epochs.length
          ? html`<zf-scrubber .epochs=${epochs} .epoch=${resolveEpoch(epochs, nav.epoch)} .following=${nav.epoch === undefined}></zf-scrubber>`
          : ''
      }
      <main id="main" tabindex="-1">${view.needsRun && !run ? this.#noRun() : view.render({ state, nav, run, data })}</main>
      <zf-keys-help></zf-keys-help>
    `;
  }

  #banners(run: RunInfo | undefined) {
    const state = this.store.state;
    const out = [];
    if (state.error)
      out.push(html`<div class="banner dead" role="alert" data-banner="error">Server error: ${state.error}</div>`);
    if (run) {
      const status = runDisplayStatus(run);
      if (status === 'offline')
        out.push(
          html`<div class="banner warn" data-banner="offline">Trainer offline: this run has not finished, but no trainer is connected. What is shown is everything stored so far; new data appears when the trainer reconnects.</div>`,
        );
      if (status === 'failed')
        out.push(
          html`<div class="banner dead" data-banner="failed">This run failed${run.error ? `: ${run.error}` : ''}.</div>`,
        );
    }
    return out;
  }

  #noRun() {
    const state = this.store.state;
    if (!state.runsLoaded) return html`<div class="state loading" data-state="loading">Connecting to the server…</div>`;
    if (!state.runs.length)
      return html`<div class="state empty" data-state="empty"><strong>No runs yet.</strong><p class="muted">Start a trainer (<code>zfscope train --server URL</code>) and it appears here live.</p></div>`;
    return html`<div class="state error" data-state="error" role="alert"><strong>No run named “${this.nav.run}”.</strong><p>Pick one of the ${state.runs.length} runs from the list.</p></div>`;
  }
}

customElements.define('zf-app', ZfApp);
