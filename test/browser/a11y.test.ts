/**
 * Accessibility of every view in a real Chromium, checked by axe-core (injected into the page;
 * it walks open shadow roots): no serious or critical violation on any view, with the feature
 * dialog and the keys overlay open too.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { axeSerious, fixtureLogdir, skipBrowser, dashboardSession, type DashboardSession } from './helpers.js';

describe.skipIf(skipBrowser)('dashboard accessibility (axe-core) in Chromium', () => {
  let server: RunningServer;
  let page: Page;
  let session: DashboardSession | undefined;
  let logdir: { dir: string; remove: () => void };

  beforeAll(async () => {
    logdir = fixtureLogdir();
    session = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 900 } });
    ({ server, page } = session);
  });

  afterAll(async () => {
    await session?.close();
    logdir?.remove();
  });

  const serious = () => axeSerious(page);

  async function open(hash: string, ready: string): Promise<void> {
    await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
    await page.locator(ready).first().waitFor();
    // Tiles and charts settle (atlases decode, Chart.js draws) before axe reads colours.
    await page.waitForTimeout(300);
  }

  const VIEWS: [string, string, string][] = [
    ['runs', 'view=runs', 'zf-run-list tbody tr'],
    ['curves', 'view=curves&run=zf-7x7s2', 'zf-curves canvas.loss'],
    ['grid', 'view=grid&run=zf-7x7s2&layer=conv2', 'zf-layer-grid .cell'],
    ['evolution', 'view=evolution&run=zf-7x7s2&layer=conv3', 'zf-evolution tbody tr'],
    ['convergence', 'view=convergence&run=zf-7x7s2', 'zf-convergence canvas'],
    ['health', 'view=health&run=alex-11x11s4', 'zf-health [data-weights]'],
    ['compare', 'view=compare&run=zf-7x7s2&layer=conv2', 'zf-compare [data-mosaic]'],
    ['feature page', 'view=feature&run=zf-7x7s2&layer=conv1&feature=3', 'zf-feature-page [data-strip] .col'],
    ['feature dialog', 'view=grid&run=zf-7x7s2&layer=conv2&feature=1', 'zf-feature-dialog dialog[open]'],
    ['empty run (failed)', 'view=grid&run=tiny-failed', 'zf-layer-grid .cell'],
  ];

  it.each(VIEWS)('%s has no serious or critical axe violation', async (_name, hash, ready) => {
    await open(hash, ready);
    expect(await serious()).toEqual([]);
  });

  it('reports a planted violation, so a clean result means something', async () => {
    await open('view=runs', 'zf-run-list tbody tr');
    await page.evaluate(() =>
      document
        .querySelector('zf-app')!
        .shadowRoot!.querySelector('main')!
        .append(Object.assign(document.createElement('button'), { className: 'planted' })),
    );
    expect((await serious()).map((v) => v.id)).toContain('button-name');
  });

  it('the keys overlay has no serious or critical axe violation', async () => {
    await open('view=grid&run=zf-7x7s2&layer=conv2', 'zf-layer-grid .cell');
    await page.keyboard.press('?');
    await page.locator('zf-keys-help dialog[open]').waitFor();
    expect(await serious()).toEqual([]);
  });
});
