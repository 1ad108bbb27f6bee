/**
 * The figure-experiment views in Chromium on a real tiny run (two epochs, experiments at both
 * snapshots): Occlusion shows each fixed probe image with its projection, marker and three maps that
 * are real pictures (not blank), Invariance its nine charts and the across-epochs table,
 * Correspondence the Table 1 rows and the Δ charts; the probe images and projections are PNG files
 * under /blobs that load and show (not blank); the scrubber's epoch changes what they show; the
 * downloads work; no page errors. Screenshots go to test-output/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { realRun } from '../training/diagnostics/real-run.js';
import { dashboardSession, pixelSpread, skipBrowser, tempDir, type DashboardSession, axeSerious } from './helpers.js';

const SHOTS = 'test-output/screenshots';

describe.skipIf(skipBrowser)('figure-experiment views on a real run', () => {
  let server: RunningServer;
  let page: Page;
  let session: DashboardSession | undefined;
  const logdir = tempDir('zf-exp-browser-');
  let errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await realRun({
      epochs: 2,
      logdir: logdir.dir,
      runId: 'exp',
      analyses: ['occlusion', 'invariance', 'correspondence'],
    });
    session = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    ({ server, page, errors } = session);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    logdir.remove();
  });

  /** Every picture of the view's selector is a /blobs PNG of the probe size, loaded, and not blank. */
  async function picturesShow(selector: string, count: number): Promise<void> {
    const imgs = page.locator(selector);
    expect(await imgs.count()).toBe(count);
    await page.waitForFunction((n) => {
      const app = document.querySelector('zf-app')?.shadowRoot;
      const all = [...(app?.querySelectorAll('*') ?? [])].flatMap((e) => [
        ...(e.shadowRoot?.querySelectorAll('img[src*="/blobs/"]') ?? []),
      ]) as HTMLImageElement[];
      return all.length >= n && all.every((i) => i.complete && i.naturalWidth > 0);
    }, count);
    for (let i = 0; i < count; i++) {
      const img = imgs.nth(i);
      expect(await img.getAttribute('src')).toMatch(/^\/blobs\/exp\/\d+\/experiments\.[A-Za-z0-9._-]+\.png$/);
      expect(await img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(28);
      // The decoded picture itself (a screenshot of the element may catch the sticky header over it).
      const distinct = await img.evaluate((e) => {
        const im = e as HTMLImageElement;
        const c = document.createElement('canvas');
        c.width = im.naturalWidth;
        c.height = im.naturalHeight;
        const g = c.getContext('2d')!;
        g.drawImage(im, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let k = 0; k < d.length; k += 4) seen.add((d[k]! << 16) | (d[k + 1]! << 8) | d[k + 2]!);
        return seen.size;
      });
      expect(distinct).toBeGreaterThan(8);
    }
  }

  async function open(hash: string): Promise<void> {
    if (page.url().startsWith(server.url)) await page.evaluate((h) => (location.hash = h), hash);
    else await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
  }

  it('Occlusion shows four probe images with their projection, marker and three maps', async () => {
    await open('view=occlusion&run=exp&epoch=2');
    await page.locator('zf-occlusion .row[data-image]').first().waitFor();
    expect(await page.locator('zf-occlusion .row[data-image]').count()).toBe(4);
    expect(await page.locator('zf-occlusion [data-marker]').count()).toBe(4);
    for (const map of ['activation', 'probability', 'label']) {
      const img = page.locator(`zf-occlusion .row[data-image] img[data-map=${map}]`).first();
      await img.waitFor();
      expect(await img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(11);
    }
    const spread = await pixelSpread(page.locator('zf-occlusion .row[data-image] img[data-map=activation]').first());
    expect(spread.distinct).toBeGreaterThan(3);
    // Four probe images and four projections.
    await picturesShow('zf-occlusion .row[data-image] img:not([data-map])', 8);
    await page.screenshot({ path: `${SHOTS}/experiments-occlusion.png`, fullPage: true });
    // The scrubber's epoch: epoch 1 shows other maps than epoch 2.
    const at2 = await page.locator('zf-occlusion img[data-map=probability]').first().getAttribute('src');
    await open('view=occlusion&run=exp&epoch=1');
    await page.locator('zf-occlusion h3', { hasText: 'epoch 1' }).waitFor();
    expect(await page.locator('zf-occlusion img[data-map=probability]').first().getAttribute('src')).not.toBe(at2);
  });

  it('Invariance shows nine charts (shift, zoom, rotation x layer 1, fc7, probability) and the epochs table', async () => {
    await open('view=invariance&run=exp&epoch=2');
    await page.locator('zf-invariance zf-line-chart').first().waitFor();
    expect(await page.locator('zf-invariance zf-line-chart').count()).toBe(9);
    await page.waitForFunction(() => {
      const host = document.querySelector('zf-app')?.shadowRoot?.querySelector('zf-invariance')?.shadowRoot;
      const charts = host ? [...host.querySelectorAll('zf-line-chart')] : [];
      return charts.length === 9 && charts.every((c) => (c.shadowRoot?.querySelector('canvas')?.width ?? 0) > 0);
    });
    expect(await page.locator('zf-invariance [data-table=invariance-epochs] tbody tr').count()).toBe(2);
    await picturesShow('zf-invariance .legend img', 4);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SHOTS}/experiments-invariance.png`, fullPage: true });
  });

  it('Correspondence shows the Table 1 rows and Δ across epochs', async () => {
    await open('view=correspondence&run=exp&epoch=2');
    await page.locator('zf-correspondence [data-table=correspondence]').waitFor();
    const regions = await page
      .locator('zf-correspondence tr[data-region]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-region')));
    expect(regions).toEqual(['top', 'left', 'right', 'bottom', 'centre', 'random']);
    const random = await page.locator('zf-correspondence tr[data-region=random] td').nth(1).textContent();
    expect(random).toMatch(/^0\.\d{3} ± 0\.\d{3}$/);
    expect(await page.locator('zf-correspondence zf-line-chart').count()).toBe(2);
    await picturesShow('zf-correspondence .pics img', 5);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SHOTS}/experiments-correspondence.png`, fullPage: true });
  });

  it.each([
    ['occlusion', 'zf-occlusion .row[data-image]'],
    ['invariance', 'zf-invariance canvas'],
    ['correspondence', 'zf-correspondence table'],
  ])('%s has no serious or critical axe violation', async (view, ready) => {
    await open(`view=${view}&run=exp&epoch=2`);
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(300);
    expect(await axeSerious(page)).toEqual([]);
  });

  it('the Download menu offers the occlusion figure and its numbers', async () => {
    await open('view=occlusion&run=exp&epoch=2');
    await page.locator('zf-occlusion .row[data-image]').first().waitFor();
    const items = await page.evaluate(() => {
      const el = document.querySelector('zf-app')?.shadowRoot?.querySelector('zf-occlusion') as unknown as {
        exportItems(): { id: string; make(): Promise<{ blob: Blob; name: string }> }[];
      };
      return Promise.all(
        el.exportItems().map(async (i) => {
          const r = await i.make();
          return { id: i.id, name: r.name, size: r.blob.size, type: r.blob.type };
        }),
      );
    });
    expect(items.map((i) => i.id)).toEqual(['occlusion-png', 'occlusion-json']);
    expect(items[0]!.type).toBe('image/png');
    expect(items[0]!.size).toBeGreaterThan(2000);
    // The montage's first cell is probe image 0 drawn from its PNG (not left blank): varied pixels there.
    const cell = await page.evaluate(async () => {
      const el = document.querySelector('zf-app')?.shadowRoot?.querySelector('zf-occlusion') as unknown as {
        exportItems(): { id: string; make(): Promise<{ blob: Blob }> }[];
      };
      const { blob } = await el.exportItems()[0]!.make();
      const bmp = await createImageBitmap(blob);
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const g = c.getContext('2d')!;
      g.drawImage(bmp, 0, 0);
      // Cells are 112 px at an 8 px margin: the first image's and the first projection's pixels.
      const seen = (x: number) =>
        new Set(Array.from({ length: 112 }, (_, i) => g.getImageData(x + i, 8 + i, 1, 1).data.join(','))).size;
      return { image: seen(8), projection: seen(128) };
    });
    expect(cell.image).toBeGreaterThan(3);
    expect(cell.projection).toBeGreaterThan(3);
    expect(items[1]!.name).toBe('exp-occlusion-epoch2.json');
    expect(errors).toEqual([]);
  });
});
