/** The shell's styles: header, view tabs, skip link, banners (kept apart from zf-app.ts). */
import { css } from 'lit';

export const appStyles = css`
  :host {
    min-height: 100vh;
  }
  header {
    display: flex;
    align-items: center;
    gap: 18px;
    padding: 12px 24px;
    border-bottom: 1px solid var(--line);
    background: var(--panel);
    position: sticky;
    top: 0;
    z-index: 5;
  }
  .brand {
    font-weight: 700;
    letter-spacing: 0.02em;
    font-size: 16px;
  }
  .brand span {
    color: var(--accent);
  }
  nav {
    display: flex;
    align-items: center;
    gap: 4px;
    padding: 8px 24px 0;
    border-bottom: 1px solid var(--line);
    flex-wrap: wrap;
  }
  nav zf-export-menu {
    margin-left: auto;
    padding-bottom: 6px;
  }
  nav a:focus-visible,
  .skip:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 1px;
  }
  .skip {
    position: absolute;
    left: 8px;
    top: -40px;
    z-index: 10;
    background: var(--accent);
    color: #0f1217;
    padding: 6px 12px;
    border-radius: 6px;
    font-weight: 600;
    text-decoration: none;
  }
  .skip:focus {
    top: 8px;
  }
  .keys {
    background: none;
    border: 1px solid var(--line);
    color: var(--fg-dim);
    border-radius: 6px;
    padding: 3px 9px;
    font: inherit;
    cursor: pointer;
  }
  nav a {
    color: var(--fg-dim);
    text-decoration: none;
    padding: 8px 12px;
    border-bottom: 2px solid transparent;
  }
  nav a[aria-current='page'] {
    color: var(--fg);
    border-bottom-color: var(--accent);
  }
  .spacer {
    flex: 1;
  }
  main {
    padding: 18px 24px 40px;
  }
  /* Focused only as the skip link's fallback target: no ring around the whole view. */
  main:focus {
    outline: none;
  }
  .banner {
    margin: 12px 24px 0;
    padding: 9px 14px;
    border-radius: 8px;
  }
  .run-meta {
    color: var(--fg-dim);
    font-size: 13px;
  }
  zf-scrubber {
    padding: 10px 24px 0;
  }
`;
