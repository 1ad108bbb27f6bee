/**
 * The URL hash holds what a person is looking at (run, view, layer, feature, epoch, method, the
 * run compared against and the curves' x axis), so a view can be shared and reloaded. Pure
 * parse/format, round-trip safe.
 */

export const VIEW_IDS = [
  'runs',
  'curves',
  'grid',
  'evolution',
  'convergence',
  'health',
  'occlusion',
  'invariance',
  'correspondence',
  'compare',
  'feature',
] as const;
export type ViewId = (typeof VIEW_IDS)[number];

export interface NavState {
  view: ViewId;
  run?: string;
  layer?: string;
  /** Feature map index within the layer. */
  feature?: number;
  /** Absent: follow the latest snapshot epoch. */
  epoch?: number;
  method?: string;
  /** The second run of the compare view. */
  compare?: string;
  /** The curves' x axis: absent for epochs (fractional), 'batch' for the batch index. */
  axis?: 'batch';
}

const NUMERIC = new Set(['feature', 'epoch']);
const ORDER: (keyof NavState)[] = ['view', 'run', 'layer', 'feature', 'epoch', 'method', 'compare', 'axis'];

/** Parses `#view=grid&run=r1&layer=conv2&epoch=5`; unknown keys and malformed values are dropped. */
export function parseHash(hash: string): NavState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const nav: NavState = { view: 'runs' };
  const view = params.get('view');
  if (view && (VIEW_IDS as readonly string[]).includes(view)) nav.view = view as ViewId;
  for (const key of ['run', 'layer', 'method', 'compare'] as const) {
    const v = params.get(key);
    if (v) nav[key] = v;
  }
  if (params.get('axis') === 'batch') nav.axis = 'batch';
  for (const key of NUMERIC) {
    const v = params.get(key);
    if (v !== null && /^\d+$/.test(v)) nav[key as 'feature' | 'epoch'] = Number(v);
  }
  return nav;
}

/** Formats in a stable key order, so equal states give equal URLs. */
export function formatHash(nav: NavState): string {
  const params = new URLSearchParams();
  for (const key of ORDER) {
    const v = nav[key];
    if (v !== undefined && v !== '') params.set(key, String(v));
  }
  return `#${params.toString()}`;
}

/**
 * Merges a navigation request into the current state. Changing run drops layer/feature/epoch
 * choices that belonged to the old run; changing layer drops the feature. `null` clears a key.
 */
export function navigate(nav: NavState, patch: NavPatch): NavState {
  const next: NavState = { ...nav };
  if (patch.run !== undefined && patch.run !== nav.run) {
    delete next.feature;
    if (patch.compare === undefined && nav.compare === patch.run) delete next.compare;
  }
  if (patch.layer !== undefined && patch.layer !== nav.layer) delete next.feature;
  for (const [k, v] of Object.entries(patch) as [keyof NavState, unknown][]) {
    if (v === null) delete next[k];
    else if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  }
  return next;
}

export type NavPatch = { [K in keyof NavState]?: NavState[K] | null };
