/**
 * Bench part `dashboard`: a paper-size run (64 epochs, 8 snapshot epochs, conv1..conv5 of widths
 * 32,64,96,96,64, every map, top-9, three methods) served by the real server and opened in
 * Debian's headless Chromium. Reports how long the layer grid of the widest layer takes to show
 * its atlases from a cold page (`dashboard_open_ms`, median of 3 fresh browser contexts; target
 * <= 1000 ms), how long a feature's page then takes to show that feature at all 8 epochs
 * (`feature_page_ms`: from the hash change to its 16 atlases loaded and painted, median of 3;
 * target <= 500 ms), and the tab's JS heap in use after visiting every view with the page
 * scrolled end to end (target <= 100 MB; also the heap reserved and the most DOM nodes).
 * The recorded run is written once by `test/fixtures/make-recorded-run.ts --full` into .cache/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../chromium.js';
import type { BenchPart } from '../parts.js';
import { startServer } from '../../server/index.js';

const RUN = 'full-default';
const LOGDIR = join('.cache', 'bench-dashboard-v2');

/** The full run on disk (about 20 s to write the first time). */
function ensureRun(log: (l: string) => void): void {
  if (existsSync(join(LOGDIR, RUN, 'run.json'))) return;
  log(`writing the full recorded run into ${LOGDIR} (once)`);
  const tmp = mkdtempSync(join(tmpdir(), 'zf-bench-run-'));
  const r = spawnSync('npx', ['tsx', 'test/fixtures/make-recorded-run.ts', tmp, '--full'], { stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`bench dashboard: test/fixtures/make-recorded-run.ts --full exited with ${r.status}`);
  rmSync(LOGDIR, { recursive: true, force: true });
  renameSync(tmp, LOGDIR);
}

/** A string evaluated in the page: walks the shadow roots (no DOM types in the bench build). */
const find = (path: string[]) =>
  `(() => { let n = document; for (const s of ${JSON.stringify(path)}) { n = (n.shadowRoot ?? n).querySelector(s); if (!n) return null; } return n; })()`;

/** Resolves once the grid is rendered and its two atlases (projections and patches) have loaded. */
async function gridShown(page: Page, layer: string): Promise<number> {
  const grid = find(['zf-app', 'zf-layer-grid', '.grid']);
  await page.waitForFunction(
    `${grid} !== null && ['${layer}.deconvnet.png', '${layer}.patches.png'].every((f) => performance.getEntriesByType('resource').some((e) => e.name.includes(f) && e.responseEnd > 0))`,
    undefined,
    { timeout: 30_000, polling: 'raf' },
  );
  // Two frames: the decoded atlases are painted.
  return (await page.evaluate(
    'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))',
  )) as number;
}

/**
 * Opens feature `feature` of `layer` in the app already showing (a hash change, as the dialog's
 * link does) and resolves once the strip shows `epochs` columns and their atlases have loaded.
 * Returns milliseconds from the hash change to two frames after.
 */
async function featurePageShown(page: Page, hash: string, layer: string, epochs: number[]): Promise<number> {
  const t0 = (await page.evaluate(
    `(() => { const t = performance.now(); location.hash = ${JSON.stringify(hash)}; return t; })()`,
  )) as number;
  const strip = find(['zf-app', 'zf-feature-page', '.strip']);
  const files = epochs.flatMap((e) => [`/${e}/${layer}.deconvnet.png`, `/${e}/${layer}.patches.png`]);
  await page.waitForFunction(
    `${strip} !== null && ${strip}.querySelectorAll('.col').length === ${epochs.length} && ${JSON.stringify(files)}.every((f) => performance.getEntriesByType('resource').some((e) => e.name.includes(f) && e.responseEnd > 0))`,
    undefined,
    { timeout: 30_000, polling: 'raf' },
  );
  const t1 = (await page.evaluate(
    'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))',
  )) as number;
  return t1 - t0;
}

/** The tab's JS heap in use and reserved (MB) and its DOM node count, from CDP Performance.getMetrics. */
async function tabMetrics(page: Page): Promise<{ used: number; total: number; nodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  return { used: get('JSHeapUsedSize') / 2 ** 20, total: get('JSHeapTotalSize') / 2 ** 20, nodes: get('Nodes') };
}

const part: BenchPart = {
  name: 'dashboard',
  description: 'full default run (8 epochs x 5 layers, 32-96 maps, top-9) in headless Chromium: open time and tab heap',
  async run(log) {
    if (!existsSync('dist/dashboard-app/index.html'))
      throw new Error('bench dashboard: dist/dashboard-app is missing; run `npm run build` first');
    ensureRun(log);
    const server = await startServer({ logdir: LOGDIR, port: 0, log: () => undefined });
    const browser = await launchChromium('bench dashboard');
    try {
      const opens: number[] = [];
      const features: number[] = [];
      const epochs = [1, 2, 5, 10, 20, 30, 40, 64];
      for (let i = 0; i < 3; i++) {
        const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const page = await ctx.newPage();
        await page.goto(`${server.url}/#view=grid&run=${RUN}&layer=conv3`);
        opens.push(await gridShown(page, 'conv3'));
        // A different feature each time; the other epochs' atlases are not in this fresh context's cache.
        features.push(
          await featurePageShown(page, `#view=feature&run=${RUN}&layer=conv3&feature=${17 + 20 * i}`, 'conv3', epochs),
        );
        await ctx.close();
      }
      opens.sort((a, b) => a - b);
      features.sort((a, b) => a - b);
      log(`grid conv3 (96 maps) shown after ${opens.map((t) => t.toFixed(0)).join(', ')} ms`);
      log(`feature page (conv3, 8 epochs) shown after ${features.map((t) => t.toFixed(0)).join(', ')} ms`);

      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await ctx.newPage();
      const heaps: Record<string, number> = {};
      let reserved = 0;
      let nodes = 0;
      for (const view of ['grid', 'evolution', 'feature', 'convergence', 'health', 'curves', 'compare', 'runs']) {
        await page.goto(`${server.url}/#view=${view}&run=${RUN}&layer=conv3&feature=17`);
        await page.waitForFunction(
          `${find(['zf-app', 'main'])}?.firstElementChild?.shadowRoot?.querySelector('[data-state="loading"]') === null`,
          undefined,
          { timeout: 30_000 },
        );
        // Scroll end to end so every virtualized row renders and every tile loads.
        for (let y = 0; y < 40; y++) {
          await page.mouse.wheel(0, 1500);
          await page.waitForTimeout(30);
        }
        await page.waitForTimeout(300);
        const m = await tabMetrics(page);
        heaps[view] = m.used;
        reserved = Math.max(reserved, m.total);
        nodes = Math.max(nodes, m.nodes);
      }
      log(
        `JS heap after each view (MB): ${Object.entries(heaps)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
      );
      await ctx.close();
      return {
        dashboard_open_ms: Math.round(opens[1]!),
        dashboard_open_ms_all: opens.map((t) => Math.round(t)),
        feature_page_ms: Math.round(features[1]!),
        feature_page_ms_all: features.map((t) => Math.round(t)),
        dashboard_heap_mb: Math.round(Math.max(...Object.values(heaps)) * 10) / 10,
        dashboard_heap_reserved_mb: Math.round(reserved * 10) / 10,
        dashboard_dom_nodes_max: nodes,
        dashboard_heap_mb_by_view: Object.fromEntries(
          Object.entries(heaps).map(([k, v]) => [k, Math.round(v * 10) / 10]),
        ),
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};

export default part;
