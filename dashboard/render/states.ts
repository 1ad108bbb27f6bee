/** The honest states every view renders on purpose: empty, loading, error. */
import { html, type TemplateResult } from 'lit';

export function emptyState(title: string, detail = ''): TemplateResult {
  return html`<div class="state empty" data-state="empty"><strong>${title}</strong>${detail ? html`<p class="muted">${detail}</p>` : ''}</div>`;
}

export function loadingState(what: string): TemplateResult {
  return html`<div class="state loading" data-state="loading" aria-busy="true"><span class="spinner"></span>Loading ${what}…</div>`;
}

/** `retry`, when given, renders a button that tries again (e.g. after the server came back). */
export function errorState(message: string, retry?: () => void): TemplateResult {
  return html`<div class="state error" data-state="error" role="alert">
    <strong>Could not load this view.</strong>
    <p>${message}</p>
    ${retry ? html`<button class="retry" @click=${retry}>Try again</button>` : ''}
  </div>`;
}
