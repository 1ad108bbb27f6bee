/** Template helpers for atlas tiles: plain divs with a scaled, pixelated CSS background (no per-tile element class). */
import { html, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { type Grid, tileStyle } from '../state/atlas.js';

/** One tile; `title` becomes its tooltip and accessible name. */
export function tile(url: string, grid: Grid, col: number, row: number, scale: number, title = ''): TemplateResult {
  return html`<div class="tile" role="img" aria-label=${title} title=${title} style=${tileStyle(url, grid, col, row, scale)}></div>`;
}

/** An empty placeholder of a tile's size (fewer than 9 activations, or not yet in view). */
export function blankTile(size: number): TemplateResult {
  return html`<div class="tile" style=${styleMap({ width: `${size}px`, height: `${size}px` })}></div>`;
}
