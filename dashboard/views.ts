/**
 * The views registry: one entry per view, each rendered by its own zf-* element. Adding a view is
 * one component file and one entry here (the tabs, the URL and the scrubber follow).
 */
import { html, type TemplateResult } from 'lit';
import type { RunInfo } from '../server/protocol.js';
import type { DashboardState, RunData } from './state/reducer.js';
import type { NavState, ViewId } from './state/url.js';
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

export const VIEWS: ViewSpec[] = [
  {
    id: 'runs',
    title: 'Runs',
    needsRun: false,
    usesEpoch: false,
    render: (c) =>
      html`<zf-run-list .runs=${c.state.runs} .loaded=${c.state.runsLoaded} .selected=${c.nav.run}></zf-run-list>`,
  },
  {
    id: 'curves',
    title: 'Curves',
    needsRun: true,
    usesEpoch: false,
    render: (c) => html`<zf-curves .data=${c.data} .nav=${c.nav} .run=${c.run}></zf-curves>`,
  },
  {
    id: 'grid',
    title: 'Layer grid',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-layer-grid .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-layer-grid>`,
  },
  {
    id: 'evolution',
    title: 'Evolution',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-evolution .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-evolution>`,
  },
  {
    id: 'convergence',
    title: 'Convergence',
    needsRun: true,
    usesEpoch: false,
    render: (c) => html`<zf-convergence .data=${c.data}></zf-convergence>`,
  },
  {
    id: 'health',
    title: 'Health',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-health .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-health>`,
  },
  {
    id: 'occlusion',
    title: 'Occlusion',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-occlusion .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-occlusion>`,
  },
  {
    id: 'invariance',
    title: 'Invariance',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-invariance .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-invariance>`,
  },
  {
    id: 'correspondence',
    title: 'Correspondence',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-correspondence .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-correspondence>`,
  },
  {
    id: 'compare',
    title: 'Compare',
    needsRun: true,
    usesEpoch: true,
    render: (c) => html`<zf-compare .state=${c.state} .nav=${c.nav}></zf-compare>`,
  },
  {
    id: 'feature',
    title: 'Feature',
    needsRun: true,
    usesEpoch: true,
    tab: false,
    render: (c) => html`<zf-feature-page .run=${c.run} .data=${c.data} .nav=${c.nav}></zf-feature-page>`,
  },
];

export function viewById(id: ViewId): ViewSpec {
  const v = VIEWS.find((x) => x.id === id);
  if (!v) throw new Error(`views: no view registered for id ${id}`);
  return v;
}
