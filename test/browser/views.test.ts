/**
 * Every view of the dashboard in a real headless Chromium against a real zfscope server over the
 * recorded two-run fixture: each shows real pixels (read back from the screen), the scrubber and
 * the URL drive what is shown, the grid answers the keyboard. Screenshots go to test-output/.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { fixtureLogdir, skipBrowser, pixelSpread, dashboardSession, type DashboardSession } from './helpers.js';

const SHOTS = 'test-output/screenshots';

describe.skipIf(skipBrowser)('dashboard views in Chromium', () => {
  let server: RunningServer;
  let page: Page;
  let session: DashboardSession | undefined;
  let logdir: { dir: string; remove: () => void };
  let errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    logdir = fixtureLogdir();
    session = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 900 } });
    ({ server, page, errors } = session);
  });

  afterAll(async () => {
    await session?.close();
    logdir?.remove();
  });

  /** Opens a view: a full load the first time, then by changing the hash as a person's clicks would. */
  async function open(hash: string): Promise<void> {
    if (page.url().startsWith(server.url)) await page.evaluate((h) => (location.hash = h), hash);
    else await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
  }

  /** Waits until the element shows an image-like spread of pixels (atlases decode asynchronously). */
  async function expectPixels(selector: string, minStd = 12): Promise<void> {
    const el = page.locator(selector).first();
    await el.waitFor();
    await expect.poll(async () => (await pixelSpread(el)).std, { timeout: 5000 }).toBeGreaterThan(minStd);
    expect((await pixelSpread(el)).distinct).toBeGreaterThan(50);
  }

  it('lists every run with its status (finished, trainer offline, failed), conv1 and backend', async () => {
    await open('view=runs');
    const rows = page.locator('zf-run-list tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.locator('[data-run="zf-7x7s2"] [data-status]').textContent()).toBe('finished');
    expect(await page.locator('[data-run="alex-11x11s4"] [data-status]').textContent()).toBe('trainer offline');
    expect(await page.locator('[data-run="tiny-failed"] [data-status]').textContent()).toBe('failed');
    expect(await page.locator('[data-run="alex-11x11s4"]').textContent()).toMatch(/11x11\/4[\s\S]*wasm/);
    await page.screenshot({ path: `${SHOTS}/runs.png` });
  });

  it('draws loss and accuracy curves', async () => {
    await open('view=curves&run=zf-7x7s2');
    await expectPixels('zf-curves canvas.loss', 5);
    await expectPixels('zf-curves canvas.acc', 5);
    expect(await page.locator('zf-curves [data-last-epoch]').getAttribute('data-last-epoch')).toBe('10');
    await page.screenshot({ path: `${SHOTS}/curves.png` });
  });

  it('shows the layer grid with projections beside patches, dead maps marked, and the scrubber changes it', async () => {
    await open('view=grid&run=zf-7x7s2&layer=conv2');
    await expectPixels('zf-layer-grid .cell:not(.is-dead) .block');
    expect(await page.locator('zf-layer-grid .cell').count()).toBe(16);
    expect(await page.locator('zf-layer-grid .cell.is-dead [data-state-mark=dead]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/grid.png` });

    const grid = page.locator('zf-layer-grid .grid');
    expect(await grid.getAttribute('data-epoch')).toBe('10');
    const before = await page.locator('zf-layer-grid .cell').nth(1).screenshot();
    // Keyboard on the scrubber: one step back is epoch 5, Home is epoch 1.
    await page.locator('zf-scrubber input[type=range]').focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => grid.getAttribute('data-epoch')).toBe('5');
    expect(page.url()).toContain('epoch=5');
    await page.keyboard.press('Home');
    await expect.poll(() => grid.getAttribute('data-epoch')).toBe('1');
    await expectPixels('zf-layer-grid .cell:not(.is-dead) .block');
    const after = await page.locator('zf-layer-grid .cell').nth(1).screenshot();
    expect(after.equals(before)).toBe(false);
    // Play steps forward through the epochs; pause stops it.
    await page.locator('zf-scrubber .play').click();
    await expect.poll(() => grid.getAttribute('data-epoch')).toBe('2');
    await page.locator('zf-scrubber .play').click();
    expect(await page.locator('zf-scrubber .play').textContent()).toContain('play');
  });

  it('renders an error state naming the failed request, and recovers on "Try again"', async () => {
    const route = '**/api/runs/zf-7x7s2/snapshots/10/conv4';
    await page.route(route, (r) =>
      r.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'disk on fire' } }),
      }),
    );
    await open('view=grid&run=zf-7x7s2&layer=conv4&epoch=10');
    const error = page.locator('zf-layer-grid [data-state="error"]');
    await expect.poll(() => error.textContent()).toContain('HTTP 500 internal disk on fire');
    expect(await error.textContent()).toContain('/api/runs/zf-7x7s2/snapshots/10/conv4');
    await page.unroute(route);
    await page.locator('zf-layer-grid .retry').click();
    await expectPixels('zf-layer-grid .cell:not(.is-dead) .block');
  });

  it('switches the projection method and moves between cells with arrow keys; Enter opens a cell large', async () => {
    await open('view=grid&run=zf-7x7s2&layer=conv1&epoch=10');
    await page.locator('zf-layer-grid button[data-method="guided"]').click();
    await expect.poll(() => page.url()).toContain('method=guided');
    await page.locator('zf-layer-grid .cell').first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(
      await page.evaluate(
        () =>
          (
            document.querySelector('zf-app')!.shadowRoot!.querySelector('zf-layer-grid')!.shadowRoot!
              .activeElement as HTMLElement
          ).dataset.index,
      ),
    ).toBe('2');
    await page.keyboard.press('Enter');
    await expectPixels('zf-feature-dialog dialog .ranks', 12);
    expect(page.url()).toContain('feature=2');
    await page.screenshot({ path: `${SHOTS}/feature.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-feature-dialog').count()).toBe(0);
    expect(page.url()).not.toContain('feature=');
  });

  it('shows evolution across epochs with sudden jumps marked, and reloads into the same view from the URL', async () => {
    await open('view=evolution&run=zf-7x7s2&layer=conv3&epoch=5');
    await expectPixels('zf-evolution tbody tr:first-child');
    expect(await page.locator('zf-evolution thead th button').allTextContents()).toEqual([
      'epoch 1',
      'epoch 2',
      'epoch 5',
      'epoch 10',
    ]);
    expect(await page.locator('zf-evolution th.cur').textContent()).toContain('epoch 5');
    expect(await page.locator('zf-evolution [data-jump]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/evolution.png` });
    await page.reload();
    await page.locator('zf-evolution th.cur').waitFor();
    expect(await page.locator('zf-evolution th.cur').textContent()).toContain('epoch 5');
    expect(await page.locator('zf-evolution button[data-layer="conv3"]').getAttribute('aria-pressed')).toBe('true');
  });

  it('charts the representation change of every layer, with its tables', async () => {
    // Drawing only, over the fixture's planted numbers: what the view concludes on real training is
    // tested in diagnostics.test.ts.
    await open('view=convergence&run=zf-7x7s2');
    await expectPixels('zf-convergence canvas', 5);
    expect(await page.locator('zf-convergence [data-table="change"] tbody tr').count()).toBe(7);
    expect(await page.locator('zf-convergence [data-verdict]').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/convergence.png` });
  });

  it('shows conv1 filters, the aliasing panel and the filter states per layer', async () => {
    // Drawing only: the conclusions (levels, advice, states) are tested on real training in diagnostics.test.ts.
    await open('view=health&run=alex-11x11s4');
    await expectPixels('zf-health [data-weights]');
    await page.locator('zf-health [data-aliasing]').waitFor();
    expect(await page.locator('zf-health [data-hint]').textContent()).toContain('conv1 11x11/4');
    expect(await page.locator('zf-health tr[data-layer] [data-count="dead"]').count()).toBe(5);
    expect(await page.locator('[data-banner="offline"]').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/health.png` });
  });

  it.each([
    ['occlusion', 'No occlusion maps in this run.'],
    ['invariance', 'No invariance curves in this run.'],
    ['correspondence', 'No correspondence measurements in this run.'],
  ])(
    'the %s view of a run recorded without the figure experiments says so and how to get them',
    async (view, title) => {
      await open(`view=${view}&run=zf-7x7s2`);
      const empty = page.locator(`zf-${view} [data-state="empty"]`);
      await empty.waitFor();
      expect(await empty.locator('strong').textContent()).toBe(title);
      expect(await empty.textContent()).toContain(`zfscope analyze RUN --epoch E ${view}`);
    },
  );

  it('compares two runs side by side on the same layer and epoch', async () => {
    await open('view=compare&run=zf-7x7s2&layer=conv2&epoch=10');
    await expectPixels('zf-compare [data-side="zf-7x7s2"] [data-mosaic]');
    await expectPixels('zf-compare [data-side="alex-11x11s4"] [data-mosaic]');
    expect(await page.locator('zf-compare [data-aliasing]').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}/compare.png` });
  });

  it('says when a run failed, with its error', async () => {
    await open('view=grid&run=tiny-failed');
    await expect.poll(() => page.locator('[data-banner="failed"]').textContent()).toContain('out of memory');
    await expectPixels('zf-layer-grid .cell:not(.is-dead) .block');
  });

  it('renders the error state for an unknown run, and threw nothing along the way', async () => {
    await open('view=grid&run=no-such-run');
    await expect.poll(() => page.locator('zf-app [data-state="error"]').textContent()).toContain('no-such-run');
    expect(errors).toEqual([]);
  });
});
