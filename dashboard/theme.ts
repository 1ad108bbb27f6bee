/** The calm dark theme shared by every component (CSS custom properties live in index.html). */
import { css } from 'lit';

export const shared = css`
  :host {
    display: block;
    color: var(--fg);
    font: 14px/1.45 var(--font);
  }
  h2 {
    font-size: 15px;
    font-weight: 600;
    margin: 0 0 12px;
    letter-spacing: 0.01em;
  }
  h3 {
    font-size: 13px;
    font-weight: 600;
    margin: 0 0 8px;
    color: var(--fg-dim);
    text-transform: uppercase;
    letter-spacing: 0.06em;
  }
  .muted {
    color: var(--fg-dim);
  }
  .panel {
    background: var(--panel);
    border: 1px solid var(--line);
    border-radius: 10px;
    padding: 16px;
  }
  .toolbar {
    display: flex;
    gap: 12px;
    align-items: center;
    flex-wrap: wrap;
    margin-bottom: 14px;
  }
  .seg {
    display: inline-flex;
    border: 1px solid var(--line);
    border-radius: 8px;
    overflow: hidden;
  }
  .seg button {
    background: transparent;
    color: var(--fg-dim);
    border: 0;
    padding: 5px 12px;
    font: inherit;
    cursor: pointer;
  }
  .seg button[aria-pressed='true'] {
    background: var(--accent-soft);
    color: var(--fg);
  }
  .seg button:focus-visible,
  button:focus-visible,
  a:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 1px;
  }
  .tile {
    image-rendering: pixelated;
    background-repeat: no-repeat;
    background-color: #1b2029;
    border-radius: 2px;
    flex: none;
  }
  .badge {
    display: inline-block;
    padding: 1px 7px;
    border-radius: 999px;
    font-size: 11px;
    font-weight: 600;
    letter-spacing: 0.03em;
  }
  .dead {
    background: var(--bad-soft);
    color: var(--bad);
  }
  .warn {
    background: var(--warn-soft);
    color: var(--warn);
  }
  .good {
    background: var(--good-soft);
    color: var(--good);
  }
  .state {
    padding: 40px 24px;
    text-align: center;
    color: var(--fg-dim);
    border: 1px dashed var(--line);
    border-radius: 10px;
  }
  .state strong {
    color: var(--fg);
    display: block;
    margin-bottom: 4px;
  }
  .state.error {
    border-color: var(--bad);
    color: var(--bad);
  }
  /* The one button look (a <button> or a link styled as one). */
  .btn,
  .retry {
    background: var(--panel-2);
    color: var(--fg);
    border: 1px solid var(--line);
    border-radius: 6px;
    padding: 4px 12px;
    font: inherit;
    cursor: pointer;
    text-decoration: none;
  }
  /* The one select look. */
  select {
    background: var(--panel-2);
    color: var(--fg);
    border: 1px solid var(--line);
    border-radius: 6px;
    padding: 4px 8px;
    font: inherit;
  }
  .btn[disabled] {
    opacity: 0.45;
    cursor: default;
  }
  /* Modal dialogs (feature, keys). */
  dialog {
    background: var(--panel);
    color: var(--fg);
    border: 1px solid var(--line);
    border-radius: 12px;
    padding: 20px 24px;
    max-width: 95vw;
  }
  dialog::backdrop {
    background: rgba(5, 8, 12, 0.7);
  }
  .spinner {
    display: inline-block;
    width: 12px;
    height: 12px;
    margin-right: 8px;
    border: 2px solid var(--line);
    border-top-color: var(--accent);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
    vertical-align: -2px;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 7px 10px;
    border-bottom: 1px solid var(--line);
    white-space: nowrap;
  }
  th {
    color: var(--fg-dim);
    font-weight: 500;
    font-size: 12px;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
`;
