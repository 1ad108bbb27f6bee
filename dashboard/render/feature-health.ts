/**
 * A feature's health over the snapshot epochs, for its page: one row per field, one column per
 * epoch. The fields are a plain list, so a new FilterHealth field (server/protocol.ts) is one
 * entry here; the table and its CSV follow.
 */
import { html, type TemplateResult } from 'lit';
import type { FilterHealth } from '../../server/protocol.js';
import { type EvolutionMark, JUMP_THRESHOLD } from '../state/evolution.js';
import { num, pct } from '../state/format.js';

/** What one epoch's column knows: the map's health there (absent when the map did not exist) and its jump mark. */
export interface HealthAt {
  epoch: number;
  health?: FilterHealth;
  mark?: EvolutionMark;
}

/** One row of the table: a figure, how to read it from an epoch's column, how to show it. */
export interface HealthField {
  key: string;
  label: string;
  /** What the figure means, for the row's tooltip. */
  title: string;
  /** Shown only when some epoch has it (conv1's aliasing). */
  optional?: boolean;
  value(a: HealthAt): string | number | boolean | null | undefined;
  text(a: HealthAt): string;
  /** A flag that colours the cell. */
  flag?(a: HealthAt): 'dead' | 'warn' | undefined;
}

/** The rows, in order. A new FilterHealth field is one entry here. */
export const FEATURE_HEALTH_FIELDS: HealthField[] = [
  { key: 'state', label: 'state', title: 'dead: never active over the probe set', value: (a) => (a.health ? (a.health.dead ? 'dead' : 'active') : null), text: (a) => (a.health ? (a.health.dead ? 'dead' : 'active') : '—'), flag: (a) => (a.health?.dead ? 'dead' : undefined) },
  { key: 'active_share', label: 'active share', title: 'share of probe positions where the map is > 0', value: (a) => a.health?.activeShare, text: (a) => pct(a.health?.activeShare, 1) },
  { key: 'max_activation', label: 'max activation', title: 'largest activation over the probe set', value: (a) => a.health?.maxActivation, text: (a) => num(a.health?.maxActivation, 2) },
  { key: 'mean_activation', label: 'mean activation', title: 'mean activation over the probe set', value: (a) => a.health?.meanActivation, text: (a) => num(a.health?.meanActivation, 3) },
  { key: 'weight_rms', label: 'weight RMS', title: 'root mean square of the filter’s weights', value: (a) => a.health?.weightRms, text: (a) => num(a.health?.weightRms, 4) },
  { key: 'weight_change', label: 'weight change', title: '||W_now - W_prev|| / ||W_prev|| since the previous snapshot', value: (a) => a.health?.weightChange, text: (a) => pct(a.health?.weightChange, 1) },
  { key: 'turnover', label: 'top-9 turnover', title: 'share of the top-9 images not in the previous snapshot’s top-9', value: (a) => a.health?.turnover, text: (a) => pct(a.health?.turnover) },
  { key: 'projection_change', label: 'projection change', title: 'relative change of the strongest projection since the previous snapshot', value: (a) => a.health?.projectionChange, text: (a) => pct(a.health?.projectionChange) },
  { key: 'jump_score', label: 'jump score', title: `combined sudden-jump score in [0, 1]; marked at ${JUMP_THRESHOLD} or more`, value: (a) => a.health?.jumpScore, text: (a) => num(a.health?.jumpScore, 2), flag: (a) => ((a.health?.jumpScore ?? 0) >= JUMP_THRESHOLD ? 'warn' : undefined) },
  {
    key: 'jump',
    label: 'jump (why)',
    title: 'a sudden jump and its reason: the strongest activation now comes from another probe image, or a high jump score',
    value: (a) => (a.mark?.jump ? jumpReason(a.mark) : ''),
    text: (a) => (a.mark?.jump ? jumpReason(a.mark) : ''),
    flag: (a) => (a.mark?.jump ? 'warn' : undefined),
  },
  { key: 'aliasing', label: 'aliasing', title: 'conv1: share of the filter’s spectral energy the stride cannot represent', optional: true, value: (a) => a.health?.aliasing, text: (a) => pct(a.health?.aliasing) },
];

function jumpReason(m: EvolutionMark): string {
  return m.topImageChanged ? 'new top image' : `score ≥ ${JUMP_THRESHOLD}`;
}

/** The fields worth a row for these epochs (optional ones only where some epoch has a value). */
export function healthFields(cols: HealthAt[]): HealthField[] {
  return FEATURE_HEALTH_FIELDS.filter((f) => !f.optional || cols.some((c) => f.value(c) !== undefined && f.value(c) !== null));
}

/** The table: a row per field, a column per epoch, the current epoch highlighted. */
export function featureHealthTable(cols: HealthAt[], current: number): TemplateResult {
  return html`<table class="health" data-feature-health>
    <thead><tr><th scope="col">figure</th>${cols.map((c) => html`<th scope="col" class="num ${c.epoch === current ? 'cur' : ''}">epoch ${c.epoch}</th>`)}</tr></thead>
    <tbody>
      ${healthFields(cols).map(
        (f) => html`<tr data-field=${f.key}><th scope="row" title=${f.title}>${f.label}</th>
          ${cols.map((c) => {
            const flag = f.flag?.(c);
            return html`<td class="num ${c.epoch === current ? 'cur' : ''}">${flag ? html`<span class="badge ${flag}">${f.text(c)}</span>` : f.text(c)}</td>`;
          })}</tr>`,
      )}
    </tbody>
  </table>`;
}

/** The same figures as rows for CSV: one row per epoch, one column per field. */
export function featureHealthRows(cols: HealthAt[]): { header: string[]; rows: (string | number | boolean | null | undefined)[][] } {
  const fields = healthFields(cols);
  return { header: ['epoch', ...fields.map((f) => f.key)], rows: cols.map((c) => [c.epoch, ...fields.map((f) => f.value(c))]) };
}
