/**
 * The diagnostics' conclusions as a person sees them in Chromium, on real training changed on
 * purpose (not on planted numbers): a tiny ZF-net with conv1 frozen, one conv3 filter
 * re-initialized and one conv5 filter killed after epoch 2, conv1 replaced by white noise after
 * epoch 3. Each view must show exactly that.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { filterRmsOf, gaussian, realRun, setFilter } from '../training/diagnostics/real-run.js';
import { skipBrowser, tempDir, dashboardSession, type DashboardSession } from './helpers.js';

const SHOTS = 'test-output/screenshots';
describe.skipIf(skipBrowser)('diagnostics views on a real run changed on purpose', () => {
  let server: RunningServer;
  let page: Page;
  let session: DashboardSession | undefined;
  const logdir = tempDir('zf-diag-');
  let errors: string[] = [];

  beforeAll(async () => {
    await realRun({
      epochs: 4,
      logdir: logdir.dir,
      runId: 'changed',
      beforeTraining: (model) => {
        model.getLayer('conv1').trainable = false;
      },
      afterEpoch: (model, epoch) => {
        if (epoch === 2) {
          const draw = gaussian(77, filterRmsOf(model, 'conv3', 5));
          setFilter(model, 'conv3', 5, () => draw(), 0);
          setFilter(model, 'conv5', 3, () => 0, -100);
        }
      },
    });
    session = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 900 } });
    ({ server, page, errors } = session);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    logdir.remove();
  });

  async function open(hash: string): Promise<void> {
    if (page.url().startsWith(server.url)) await page.evaluate((h) => (location.hash = h), hash);
    else await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
  }

  it('Convergence says the frozen conv1 settled from the first snapshot, and conv5 did not', async () => {
    await open('view=convergence&run=changed');
    await page.locator('zf-convergence [data-settled=conv1]').waitFor();
    expect(await page.locator('zf-convergence [data-verdict]').textContent()).toMatch(/conv1 since epoch 1/);
    // conv5 keeps moving for longer: not settled from the first snapshot as the frozen conv1 is.
    const conv5 = await page.locator('zf-convergence [data-table=change] tr[data-layer=conv5] td').last().textContent();
    expect(conv5).not.toBe('since 1');
    expect(await page.locator('zf-convergence [data-table=change] tr[data-layer=conv1] td').last().textContent()).toBe(
      'since 1',
    );
    await page.screenshot({ path: `${SHOTS}/diagnostics-convergence.png`, fullPage: true });
  });

  it('the grid marks the re-initialized conv3 filter as a jump at epoch 2, and few others', async () => {
    await open('view=grid&run=changed&layer=conv3&epoch=2');
    await page.locator('zf-layer-grid .cell[data-index="5"]').waitFor();
    expect(await page.locator('zf-layer-grid .cell[data-index="5"] [data-jump]').count()).toBe(1);
    const cells = await page.locator('zf-layer-grid .cell').count();
    const jumps = await page.locator('zf-layer-grid .cell [data-jump]').count();
    expect(cells).toBe(48);
    expect((jumps - 1) / (cells - 1)).toBeLessThanOrEqual(0.1);
    // And Evolution carries the same mark at epoch 2 for that feature.
    await open('view=evolution&run=changed&layer=conv3');
    await page.locator('zf-evolution tr[data-index="5"]').waitFor();
    expect(await page.locator('zf-evolution tr[data-index="5"] [data-epoch="2"] [data-jump]').count()).toBe(1);
  });

  it('Health lists the killed conv5 filter as dead since epoch 2, with what to try', async () => {
    await open('view=health&run=changed&epoch=3');
    const item = page.locator('zf-health [data-flagged=dead] li', { has: page.locator('[data-feature="conv5/3"]') });
    await item.waitFor();
    expect(await item.textContent()).toContain('since epoch 2');
    expect(await page.locator('zf-health [data-flagged=dead]').textContent()).toContain('What to try');
    expect(
      Number(await page.locator('zf-health tr[data-layer=conv5] [data-count=dead]').textContent()),
    ).toBeGreaterThanOrEqual(1);
    // conv1 is frozen at its N(0, 0.01²) initialization: white noise, so aliasing reads "not formed yet".
    expect(await page.locator('zf-health [data-aliasing]').getAttribute('data-aliasing')).toBe('noise');
    expect(await page.locator('zf-health [data-hint]').textContent()).toMatch(
      /white noise of the same kernel and stride/,
    );
    await page.screenshot({ path: `${SHOTS}/diagnostics-health.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});
