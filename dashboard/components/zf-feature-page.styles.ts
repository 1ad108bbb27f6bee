/** The feature page's styles (kept apart: the component file is long enough). */
import { css } from 'lit';

export const featurePageStyles = css`
  section.panel {
    margin-bottom: 16px;
  }
  .head {
    display: flex;
    align-items: baseline;
    gap: 18px;
    flex-wrap: wrap;
    margin-bottom: 12px;
  }
  .head h2 {
    margin: 0;
  }
  .steps {
    display: flex;
    gap: 6px;
  }
  .strip {
    display: flex;
    gap: 12px;
    overflow-x: auto;
    padding: 4px 2px 10px;
  }
  .strip:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 2px;
  }
  .col {
    display: flex;
    flex-direction: column;
    gap: 6px;
    padding: 6px;
    border-radius: 8px;
    border: 1px solid transparent;
    flex: none;
  }
  .col.cur {
    background: var(--accent-soft);
    border-color: var(--accent);
  }
  .ep {
    background: none;
    border: 0;
    color: var(--fg);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    text-align: left;
    padding: 0;
  }
  .pair {
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .strip.side .pair {
    flex-direction: row;
  }
  .block {
    display: grid;
    grid-template-columns: repeat(3, auto);
    gap: 2px;
    width: fit-content;
  }
  .never {
    display: flex;
    align-items: center;
    justify-content: center;
    text-align: center;
    color: var(--bad);
    font-size: 12px;
    border: 1px dashed var(--line);
    border-radius: 4px;
  }
  .small {
    font-size: 12px;
  }
  .scroll {
    overflow-x: auto;
  }
  th.cur,
  td.cur {
    background: var(--accent-soft);
    color: var(--fg);
  }
  .col.cur .muted {
    color: var(--fg);
  }
`;
