/**
 * In a real Chromium against a real server and its analysis worker: a person opens a feature from
 * the layer grid, asks what it wants, sees the progress bar, then the image; asks at every epoch
 * and gets the strip; asks what a class wants; asks what each layer keeps of a probe image and gets
 * a row per conv layer, then the same at every epoch.
 */
import { mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { writeAnalysisRun } from '../fixtures/analysis-run.js';
import { skipBrowser, pixelSpread, tempDir, dashboardSession, type DashboardSession } from './helpers.js';

const SHOTS = 'test-output/screenshots';

describe.skipIf(skipBrowser)('asking the network from the dashboard, in Chromium', () => {
  let server: RunningServer;
  let page: Page;
  let session: DashboardSession | undefined;
  let logdir: { dir: string; remove: () => void };
  let errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await tf.setBackend('cpu');
    logdir = tempDir('zf-analysis-ui-');
    await writeAnalysisRun(logdir.dir, 'tiny', [1, 2], { snapshots: true });
    session = await dashboardSession(logdir.dir, {
      viewport: { width: 1400, height: 1000 },
      server: { analysisBackend: 'wasm' },
    });
    ({ server, page, errors } = session);
  });

  afterAll(async () => {
    await session?.close();
    logdir?.remove();
  });

  it('opens a feature, asks for its optimal input, sees the progress and then the image', async () => {
    await page.goto(`${server.url}/#view=grid&run=tiny&layer=conv3&epoch=2`);
    await page.locator('zf-layer-grid .cell').first().waitFor();
    await page.locator('zf-layer-grid .cell').nth(1).focus();
    await page.keyboard.press('Enter');
    const panel = page.locator('zf-feature-dialog zf-analysis');
    await panel.locator('button[data-action="optimal-input"]').click();
    await panel.locator('.optimal [role="progressbar"]').waitFor();
    const image = panel.locator('.optimal img[data-state="done"]');
    await image.waitFor({ timeout: 45_000 });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(28);
    expect((await pixelSpread(image)).std).toBeGreaterThan(3);
    expect(await panel.locator('.optimal figure').textContent()).toMatch(/epoch 2 · objective/);
    await page.screenshot({ path: `${SHOTS}/optimal-input.png` });
    expect(errors).toEqual([]);
  });

  it('asks the same question at every checkpointed epoch and shows the strip', async () => {
    const panel = page.locator('zf-feature-dialog zf-analysis');
    await panel.locator('button[data-action="strip"]').click();
    const figures = panel.locator('.strip figure');
    await expect.poll(() => figures.count()).toBe(2);
    await expect.poll(() => panel.locator('.strip img[data-state="done"]').count(), { timeout: 45_000 }).toBe(2);
    expect(await figures.evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.epoch))).toEqual(['1', '2']);
  });

  it('asks what a class wants and shows that image too', async () => {
    const panel = page.locator('zf-feature-dialog zf-analysis');
    await panel.locator('.row select').first().selectOption({ label: 'Trouser' });
    await panel.locator('button[data-action="class"]').click();
    await panel.locator('.of-class img[data-state="done"]').waitFor({ timeout: 45_000 });
    expect(await panel.locator('.of-class figure').textContent()).toMatch(/epoch 2 · objective/);
  });

  it('reconstructs a probe image from every conv layer, a row per layer', async () => {
    const panel = page.locator('zf-feature-dialog zf-analysis');
    await panel.locator('button[data-action="reconstruction"]').click();
    const layers = panel.locator('.layers figure[data-layer]');
    await expect.poll(() => layers.count(), { timeout: 50_000 }).toBe(5);
    expect(await layers.evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.layer))).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
    ]);
    expect(await panel.locator('.layers').textContent()).toMatch(/conv1 · pixel error \d/);
    // Across epochs: a row per checkpointed epoch (epoch 2's is served from the store).
    await panel.locator('button[data-action="reconstruction-strip"]').click();
    const rows = panel.locator('.recon .layers');
    await expect
      .poll(() => rows.evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.epoch)), { timeout: 50_000 })
      .toEqual(['1', '2']);
    expect(await panel.locator('.recon .layers[data-epoch="1"] figure[data-layer]').count()).toBe(5);
    await panel.screenshot({ path: `${SHOTS}/reconstruction.png` });
    expect(errors).toEqual([]);
  });
});
