/**
 * Live and honest states in a real Chromium: a snapshot a trainer sends through /ingest appears
 * without reload within 1 s; after the server restarts on the same port the dashboard shows that
 * it lost the connection, reconnects, resumes from its last seq (nothing twice) and keeps going;
 * an empty logdir renders the empty state.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/index.js';
import { fixtureLogdir, skipBrowser, pixelSpread, tempDir, dashboardSession } from './helpers.js';
import { connectTrainer, snapshotEvent } from './trainer.js';

const SHOTS = 'test-output/screenshots';
const RUN = 'alex-11x11s4';

describe.skipIf(skipBrowser)('dashboard live updates in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let logdir: { dir: string; remove: () => void };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    logdir = fixtureLogdir();
    ({ server, browser, page } = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(async () => {
    // The restart test replaces the session's server: close the one running now.
    await browser?.close();
    await server?.close();
    logdir?.remove();
  });

  const gridEpoch = () => page.locator('zf-layer-grid .grid').getAttribute('data-epoch');

  it('shows a snapshot sent by a trainer without a reload, and clears the offline banner', async () => {
    await page.goto(`${server.url}/#view=grid&run=${RUN}&layer=conv1`);
    await expect.poll(gridEpoch).toBe('10');
    expect(await page.locator('[data-banner="offline"]').count()).toBe(1);
    const trainer = await connectTrainer(server.url, server.ingestToken, RUN);
    try {
      const event = snapshotEvent(logdir.dir, RUN, 10, 'conv1', 20);
      const t0 = Date.now();
      await trainer.send(event);
      const ackedAfterMs = Date.now() - t0;
      // Shown live, without a reload (how fast is the bench's business: part `server`).
      await page.locator('zf-layer-grid .grid[data-epoch="20"]').waitFor({ timeout: 10_000 });
      console.log(`snapshot stored (acked) after ${ackedAfterMs} ms, shown after ${Date.now() - t0} ms`);
      // Its atlases load from the new epoch's blobs and show real pixels.
      await expect
        .poll(async () => (await pixelSpread(page.locator('zf-layer-grid .cell:not(.is-dead) .block').first())).std, {
          timeout: 3000,
        })
        .toBeGreaterThan(12);
      expect(await page.locator('zf-scrubber .ticks button').allTextContents()).toEqual(['1', '2', '5', '10', '20']);
      await expect.poll(() => page.locator('[data-banner="offline"]').count()).toBe(0);
      await page.screenshot({ path: `${SHOTS}/live-snapshot.png` });
    } finally {
      trainer.close();
    }
  });

  it('recovers after the server restarts on the same port, resumes without duplicates and draws new points into the same chart', async () => {
    await page.goto(`${server.url}/#view=curves&run=${RUN}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
    const loss = page.locator('zf-curves canvas.loss');
    await expect.poll(async () => (await pixelSpread(loss)).std, { timeout: 5000 }).toBeGreaterThan(5);
    // Chart.js keeps its per-canvas state in canvas.$chartjs: a marked one proves the chart is updated, not re-created.
    await loss.evaluate((c) => ((c as unknown as { $chartjs: Record<string, unknown> }).$chartjs.zfMark = true));
    const lossBefore = await loss.screenshot();
    const points = () =>
      page.evaluate(
        () =>
          (
            document.querySelector('zf-app') as unknown as {
              store: { state: { data: Record<string, { batchMetrics: unknown[]; lastSeq: number }> } };
            }
          ).store.state.data['alex-11x11s4']!,
      );
    const before = await points();

    const port = server.port;
    await server.close();
    await page.locator('zf-connection-badge[status="reconnecting"]').waitFor({ timeout: 3000 });
    expect(await page.locator('zf-connection-badge [role=status]').textContent()).toMatch(/server unreachable/);
    await page.screenshot({ path: `${SHOTS}/reconnecting.png` });

    server = await startServer({ logdir: logdir.dir, port, log: () => undefined });
    await page.locator('zf-connection-badge[status="open"]').waitFor({ timeout: 8000 });
    const trainer = await connectTrainer(server.url, server.ingestToken, RUN);
    try {
      await trainer.send({ type: 'metrics', epoch: 11, batch: 0, values: { loss: 0.5, acc: 0.8 } });
      await expect
        .poll(async () => (await points()).batchMetrics.length, { timeout: 2000 })
        .toBe(before.batchMetrics.length + 1);
      expect((await points()).lastSeq).toBe(before.lastSeq + 1);
      // The live point is drawn into the same chart.
      await expect.poll(async () => (await loss.screenshot()).equals(lossBefore), { timeout: 2000 }).toBe(false);
      expect(
        await loss.evaluate((c) => (c as unknown as { $chartjs?: Record<string, unknown> }).$chartjs?.zfMark),
      ).toBe(true);
    } finally {
      trainer.close();
    }
  });

  it('renders the empty state when the server has no runs', async () => {
    const empty = tempDir('zf-empty-');
    const other = await startServer({ logdir: empty.dir, port: 0, log: () => undefined });
    try {
      await page.goto(`${other.url}/#view=grid`);
      await expect.poll(() => page.locator('zf-app [data-state="empty"]').textContent()).toContain('No runs yet');
      await page.goto(`${other.url}/#view=runs`);
      await expect.poll(() => page.locator('zf-run-list [data-state="empty"]').count()).toBe(1);
      await page.screenshot({ path: `${SHOTS}/empty.png` });
    } finally {
      await other.close();
      empty.remove();
    }
  });
});
