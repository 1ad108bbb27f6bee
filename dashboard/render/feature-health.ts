/**
 * A feature's health over the snapshot epochs, for its page: one row per field, one column per
 * epoch. The fields are a plain list, so a new FilterHealth field (server/protocol.ts) is one
 * entry here; the table and its CSV follow.
 */
import { html, type TemplateResult } from 'lit';
import type { FilterHealth } from '../../server/protocol.js';
import { legend } from '../../training/viz/diagnostics/rules.js';
import type { EvolutionMark } from '../state/evolution.js';
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

const stateText = (h: FilterHealth | undefined) => (h ? (h.state ?? (h.dead ? 'dead' : 'healthy')) : null);

/** The rows, in order. A new FilterHealth field is one entry here. */
export const FEATURE_HEALTH_FIELDS: HealthField[] = [
  {
    key: 'state',
    label: 'state',
    title: `${legend('dead')} ${legend('weak')} ${legend('structureless')}`,
    value: (a) => stateText(a.health),
    text: (a) => stateText(a.health) ?? '—',
    flag: (a) => (a.health?.state === 'dead' || a.health?.dead ? 'dead' : a.health?.state ? 'warn' : undefined),
  },
  {
    key: 'active_share',
    label: 'active share',
    title: 'share of probe positions where the map is > 0',
    value: (a) => a.health?.activeShare,
    text: (a) => pct(a.health?.activeShare, 1),
  },
  {
    key: 'max_activation',
    label: 'max activation',
    title: 'largest activation over the probe set',
    value: (a) => a.health?.maxActivation,
    text: (a) => num(a.health?.maxActivation, 2),
  },
  {
    key: 'mean_activation',
    label: 'mean activation',
    title: 'mean activation over the probe set',
    value: (a) => a.health?.meanActivation,
    text: (a) => num(a.health?.meanActivation, 3),
  },
  {
    key: 'weight_rms',
    label: 'weight RMS',
    title: 'root mean square of the filter’s weights',
    value: (a) => a.health?.weightRms,
    text: (a) => num(a.health?.weightRms, 4),
  },
  {
    key: 'filter_angle',
    label: 'filter angle',
    title: legend('filterAngle'),
    value: (a) => a.health?.filterAngle,
    text: (a) => num(a.health?.filterAngle, 4),
  },
  {
    key: 'weight_change',
    label: 'weight change',
    title:
      '||W_now - W_prev|| / ||W_prev|| since the previous snapshot (grows with the filter’s norm: not a convergence measure)',
    value: (a) => a.health?.weightChange,
    text: (a) => pct(a.health?.weightChange, 1),
  },
  {
    key: 'response_change',
    label: 'response change',
    title: '1 - correlation of the map’s activations on the diagnostic probe images with the previous snapshot’s',
    value: (a) => a.health?.responseChange,
    text: (a) => num(a.health?.responseChange, 3),
  },
  {
    key: 'jump_z',
    label: 'jump z-score',
    title: legend('jump'),
    value: (a) => a.health?.jumpZ,
    text: (a) => num(a.health?.jumpZ, 1),
  },
  {
    key: 'turnover',
    label: 'top-9 turnover',
    title: 'share of the top-9 images not in the previous snapshot’s top-9',
    value: (a) => a.health?.turnover,
    text: (a) => pct(a.health?.turnover),
  },
  {
    key: 'projection_change',
    label: 'projection change',
    title: legend('projectionChange'),
    value: (a) => a.health?.projectionChange,
    text: (a) => num(a.health?.projectionChange, 2),
  },
  {
    key: 'jump',
    label: 'jump (why)',
    title: legend('jump'),
    value: (a) => (a.mark?.jump ? jumpReason(a.mark) : ''),
    text: (a) => (a.mark?.jump ? jumpReason(a.mark) : ''),
    flag: (a) => (a.mark?.jump ? 'warn' : undefined),
  },
  {
    key: 'flatness',
    label: 'spectral flatness',
    title: 'conv1: flatness of the filter’s power spectrum (white noise about 0.5; see structureless)',
    optional: true,
    value: (a) => a.health?.flatness,
    text: (a) => num(a.health?.flatness, 2),
  },
  {
    key: 'aliasing',
    label: 'aliasing',
    title: 'conv1: share of the filter’s spectral energy the stride cannot represent',
    optional: true,
    value: (a) => a.health?.aliasing,
    text: (a) => pct(a.health?.aliasing),
  },
];

function jumpReason(m: EvolutionMark): string {
  return m.jump === 'new-source' ? 'new top image' : 'same top image, changed response';
}

/** The fields worth a row for these epochs (optional ones only where some epoch has a value). */
export function healthFields(cols: HealthAt[]): HealthField[] {
  return FEATURE_HEALTH_FIELDS.filter(
    (f) => !f.optional || cols.some((c) => f.value(c) !== undefined && f.value(c) !== null),
  );
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
export function featureHealthRows(cols: HealthAt[]): {
  header: string[];
  rows: (string | number | boolean | null | undefined)[][];
} {
  const fields = healthFields(cols);
  return {
    header: ['epoch', ...fields.map((f) => f.key)],
    rows: cols.map((c) => [c.epoch, ...fields.map((f) => f.value(c))]),
  };
}
