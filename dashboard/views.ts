/**
 * The views registry: one entry per view, each rendered by its own zf-* element. Adding a view is
 * one component file, its id in VIEW_IDS (state/url.ts) and one entry here; the compiler refuses a
 * missing or extra entry, and the tabs, the URL and the scrubber follow.
 */
import { html, type TemplateResult } from 'lit';
import type { RunInfo } from '../server/protocol.js';
import type { DashboardState, RunData } from './state/reducer.js';
import { VIEW_IDS, type NavState, type ViewId } from './state/url.js';
import './components/zf-run-list.js';
import './components/zf-curves.js';
import './components/zf-layer-grid.js';
import './components/zf-evolution.js';
import './components/zf-convergence.js';
import './components/zf-health.js';
import './components/zf-compare.js';
import './components/zf-occlusion.js';
import './components/zf-invariance.js';
import './components/zf-correspondence.js';
import './components/zf-feature-page.js';

/** What a view is given; views never fetch runs or open sockets themselves. */
export interface ViewContext {
  state: DashboardState;
  nav: NavState;
  run?: RunInfo;
  data?: RunData;
}

export interface ViewSpec {
  id: ViewId;
  title: string;
  /** Needs a selected run (all but the run list). */
  needsRun: boolean;
  /** Shows the global epoch scrubber. */
  usesEpoch: boolean;
  /** False for views reached from others (a feature's page), not from a tab of their own. */
  tab?: boolean;
  render(ctx: ViewContext): TemplateResult;
}

/** Every view by id: the type demands exactly one entry for each id of VIEW_IDS, which sets the tab order. */
const SPECS: { [K in ViewId]: Omit<ViewSpec, 'id'> } = {
  runs: {
    title: 'Runs',
    needsRun: false,
    usesEpoch: false,
    render: (c) =>
      html`<zf-run-list .runs=${c.state.runs} .loaded=${c.state.runsLoaded} .selected=${c.nav.run}></zf-run-list>`,
  },
  curves: {
    title: 'Curves',
    needsRun: true,
    usesEpoch: false,
    render: (c) => html`<zf-curves .data=${c.data} .nav=${c.nav} .run=${c.run}></zf-curves>`,
  },
  grid: {
    title: 'Layer grid',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-layer-grid .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-layer-grid>`,
  },
  evolution: {
    title: 'Evolution',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-evolution .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-evolution>`,
  },
  convergence: {
    title: 'Convergence',
    needsRun: true,
    usesEpoch: false,
    render: (c) => html`<zf-convergence .data=${c.data}></zf-convergence>`,
  },
  health: {
    title: 'Health',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-health .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-health>`,
  },
  occlusion: {
    title: 'Occlusion',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-occlusion .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-occlusion>`,
  },
  invariance: {
    title: 'Invariance',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-invariance .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-invariance>`,
  },
  correspondence: {
    title: 'Correspondence',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-correspondence .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-correspondence>`,
  },
  compare: {
    title: 'Compare',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-compare .state=${c.state} .nav=${c.nav}></zf-compare>`,
  },
  feature: {
    title: 'Feature',
    needsRun: true,
    usesEpoch: true,
    tab: false,
    render: (c) => html`<zf-feature-page .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-feature-page>`,
  },
};

export const VIEWS: readonly ViewSpec[] = VIEW_IDS.map((id) => ({ id, ...SPECS[id] }));

export function viewById(id: ViewId): ViewSpec {
  return VIEWS[VIEW_IDS.indexOf(id)]!;
}
