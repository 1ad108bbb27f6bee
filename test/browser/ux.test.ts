/**
 * The dashboard as a person uses it, in a real Chromium against a real server over the recorded
 * fixture: a feature's page reached from the grid and from Evolution and stepped through with the
 * keyboard alone; the dialog's keys, Esc and backdrop; the `?` overlay; downloads checked against
 * the files on disk and the recorded metrics (not against the dashboard's own code); the Curves
 * axis in epochs; Compare's epoch alignment; the grid filling the width at 1400 and 2560 px.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerSnapshot, StoredEvent } from '../../server/protocol.js';
import type { RunningServer } from '../../server/index.js';
import { fixtureLogdir, pixelSpread, skipBrowser, dashboardSession, type DashboardSession } from './helpers.js';
import { connectTrainer, snapshotEvent } from './trainer.js';

const SHOTS = 'test-output/screenshots';
const RUN = 'zf-7x7s2';

describe.skipIf(skipBrowser)('the dashboard by keyboard, downloads and layout in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let session: DashboardSession | undefined;
  let logdir: { dir: string; remove: () => void };
  let errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    logdir = fixtureLogdir();
    session = await dashboardSession(logdir.dir, { viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    ({ server, browser, page, errors } = session);
  });

  afterAll(async () => {
    await session?.close();
    logdir?.remove();
  });

  /** A fresh load (focus starts on the page body, as for a person arriving). */
  async function load(hash: string): Promise<void> {
    await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
  }

  /** What has focus, through the shadow roots. */
  const focused = () =>
    page.evaluate(() => {
      let a = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      const el = a as HTMLElement | null;
      return el
        ? {
            tag: el.tagName.toLowerCase(),
            cls: el.className,
            index: el.dataset.index ?? el.closest('tr')?.dataset.index,
            epoch: el.dataset.epoch,
            text: el.textContent?.trim().slice(0, 40),
          }
        : null;
    });

  const snapshotOnDisk = (run: string, epoch: number, layer: string) =>
    JSON.parse(
      readFileSync(join(logdir.dir, run, 'snapshots', String(epoch), `${layer}.json`), 'utf8'),
    ) as LayerSnapshot;
  const param = (key: string) => new URL(page.url().replace('#', '?')).searchParams.get(key);

  /** Picks `id` from the download menu; resolves to the downloaded bytes and file name. */
  async function download(id: string): Promise<{ bytes: Buffer; name: string }> {
    await page.locator('zf-export-menu [data-download]').click();
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`zf-export-menu [data-export="${id}"]`).click(),
    ]);
    const path = await dl.path();
    return { bytes: readFileSync(path), name: dl.suggestedFilename() };
  }

  async function expectPixels(selector: string, minStd = 12): Promise<void> {
    const el = page.locator(selector).first();
    await el.waitFor();
    await expect.poll(async () => (await pixelSpread(el)).std, { timeout: 5000 }).toBeGreaterThan(minStd);
  }

  it('reaches the grid from the first Tab, opens a cell, steps in the dialog and opens the feature page, all by keyboard', async () => {
    await load(`view=grid&run=${RUN}&layer=conv2&epoch=10`);
    await page.locator('zf-layer-grid .cell').first().waitFor();
    await page.keyboard.press('Tab');
    expect((await focused())?.cls).toContain('skip');
    await page.keyboard.press('Enter');
    expect(await focused()).toMatchObject({ index: '0' });
    // 16 maps at 1400 px: 4 columns (the width check below); right then down is map 1 + 4.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatchObject({ index: '5' });
    await page.keyboard.press('Enter');
    const dialog = page.locator('zf-feature-dialog dialog[open]');
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-index')).toBe('5');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => dialog.getAttribute('data-epoch')).toBe('5');
    expect(param('epoch')).toBe('5');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => dialog.getAttribute('data-index')).toBe('6');
    expect(await dialog.locator('h2').textContent()).toContain('conv2 · feature 6 · epoch 5');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => dialog.getAttribute('data-epoch')).toBe('10');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => dialog.getAttribute('data-epoch')).toBe('5');
    // Focus sits on the "Feature page" link: Enter follows it.
    await page.keyboard.press('Enter');
    const strip = page.locator('zf-feature-page [data-strip]');
    await strip.waitFor();
    expect([param('view'), param('layer'), param('feature'), param('epoch')]).toEqual(['feature', 'conv2', '6', '5']);
    expect(
      await page
        .locator('zf-feature-page .col')
        .evaluateAll((cols) => cols.map((c) => (c as HTMLElement).dataset.epoch)),
    ).toEqual(['1', '2', '5', '10']);
    await expectPixels('zf-feature-page .col.cur .block');
    await page.screenshot({ path: `${SHOTS}/feature-page.png` });
    // The page's own keys: epochs, features, layers, Esc.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => strip.getAttribute('data-epoch')).toBe('10');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => strip.getAttribute('data-index')).toBe('5');
    await page.keyboard.press(']');
    await expect.poll(() => param('layer')).toBe('conv3');
    await expect.poll(() => page.locator('zf-feature-page [data-strip]').getAttribute('data-index')).toBe('5');
    await page.keyboard.press('[');
    await expect.poll(() => param('layer')).toBe('conv2');
    await page.keyboard.press('Escape');
    await page.locator('zf-layer-grid .grid').waitFor();
    expect(param('view')).toBe('grid');
  });

  it('shows the feature across every epoch with its health from the snapshots and conv1 filters', async () => {
    await load(`view=feature&run=${RUN}&layer=conv1&feature=3&epoch=5`);
    await expectPixels('zf-feature-page .col.cur .filter');
    const rows = await page
      .locator('zf-feature-page [data-feature-health] tr[data-field="max_activation"] td')
      .allTextContents();
    expect(rows).toEqual(
      [1, 2, 5, 10].map((e) => snapshotOnDisk(RUN, e, 'conv1').maps[3]!.health.maxActivation.toFixed(2)),
    );
    expect(await page.locator('zf-feature-page [data-feature-health] tr[data-field="aliasing"]').count()).toBe(1);
    expect(await page.locator('zf-feature-page [data-analyses]').count()).toBe(1);
    // conv3 has no filters to show, and no aliasing row.
    await load(`view=feature&run=${RUN}&layer=conv3&feature=1`);
    await page.locator('zf-feature-page [data-strip] .col').first().waitFor();
    expect(await page.locator('zf-feature-page .filter').count()).toBe(0);
    expect(await page.locator('zf-feature-page tr[data-field="aliasing"]').count()).toBe(0);
  });

  it('opens a feature page from an Evolution cell by keyboard (g, arrows, Enter, Enter)', async () => {
    await load(`view=evolution&run=${RUN}&layer=conv3`);
    await page.locator('zf-evolution tbody tr').first().waitFor();
    await page.keyboard.press('g');
    expect(await focused()).toMatchObject({ index: '0', epoch: '10' });
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatchObject({ index: '1', epoch: '5' });
    await page.keyboard.press('Enter');
    const dialog = page.locator('zf-feature-dialog dialog[open]');
    await dialog.waitFor();
    expect([await dialog.getAttribute('data-index'), await dialog.getAttribute('data-epoch')]).toEqual(['1', '5']);
    await page.keyboard.press('Enter');
    await page.locator('zf-feature-page [data-strip]').waitFor();
    expect([param('view'), param('layer'), param('feature'), param('epoch')]).toEqual(['feature', 'conv3', '1', '5']);
    expect(await page.locator('zf-feature-page .col.cur').getAttribute('data-epoch')).toBe('5');
  });

  it('closes the dialog on Esc and on a backdrop click (not on a click inside), giving focus back to the cell', async () => {
    await load(`view=grid&run=${RUN}&layer=conv2`);
    const dialog = page.locator('zf-feature-dialog dialog[open]');
    await page.locator('zf-layer-grid .cell[data-index="3"]').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-feature-dialog').count()).toBe(0);
    expect(param('feature')).toBeNull();
    expect(await focused()).toMatchObject({ index: '3' });
    await page.locator('zf-layer-grid .cell[data-index="3"]').click();
    await dialog.waitFor();
    await dialog.locator('h2').click();
    expect(await page.locator('zf-feature-dialog').count()).toBe(1);
    await page.mouse.click(6, 450);
    await expect.poll(() => page.locator('zf-feature-dialog').count()).toBe(0);
    expect(param('feature')).toBeNull();
    // Stepped to another feature in the dialog: focus lands on that feature's cell, and Tab order follows.
    await page.locator('zf-layer-grid .cell[data-index="3"]').click();
    await dialog.waitFor();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => dialog.getAttribute('data-index')).toBe('4');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-feature-dialog').count()).toBe(0);
    expect(await focused()).toMatchObject({ index: '4' });
    expect(await page.locator('zf-layer-grid .cell[tabindex="0"]').getAttribute('data-index')).toBe('4');
  });

  it('lists the keys in a ? overlay that Esc closes', async () => {
    await load(`view=grid&run=${RUN}&layer=conv2`);
    await page.locator('zf-layer-grid .cell').first().waitFor();
    await page.keyboard.press('?');
    const help = page.locator('zf-keys-help dialog[open]');
    await help.waitFor();
    const text = await help.textContent();
    for (const what of ['Feature dialog', 'Feature page', 'Layer grid and Evolution', 'Esc'])
      expect(text).toContain(what);
    await page.screenshot({ path: `${SHOTS}/keys.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-keys-help dialog[open]').count()).toBe(0);
    // Over the feature dialog too: Esc then closes the overlay only.
    await page.locator('zf-layer-grid .cell[data-index="1"]').click();
    await page.locator('zf-feature-dialog dialog[open]').waitFor();
    await page.keyboard.press('?');
    await help.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-keys-help dialog[open]').count()).toBe(0);
    expect(await page.locator('zf-feature-dialog dialog[open]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('zf-feature-dialog').count()).toBe(0);
  });

  it('downloads a layer atlas byte for byte and a montage whose tiles are the atlas tiles', async () => {
    await load(`view=grid&run=${RUN}&layer=conv2&epoch=10`);
    await page.locator('zf-layer-grid .cell').first().waitFor();
    const atlas = await download('atlas-projections');
    const onDisk = readFileSync(join(logdir.dir, RUN, 'snapshots', '10', 'conv2.deconvnet.png'));
    expect(atlas.bytes.equals(onDisk)).toBe(true);
    expect(atlas.name).toBe('zf-7x7s2-conv2-epoch10-deconvnet-atlas.png');
    const snap = snapshotOnDisk(RUN, 10, 'conv2');
    const a = PNG.sync.read(onDisk);
    expect([a.width, a.height]).toEqual([9 * snap.atlas.tile, snap.maps.length * snap.atlas.tile]);

    const m = PNG.sync.read((await download('montage')).bytes);
    // The montage's layout (export/montage.ts): 8 px padding, cells of two 3x3 blocks (2 px gaps)
    // 8 px apart, 8 cells to a row; tiles at the integer scale nearest the screen's.
    const t = snap.atlas.tile;
    const onScreen = await page
      .locator('zf-layer-grid .cell:not(.is-dead) .tile')
      .first()
      .evaluate((el) => el.getBoundingClientRect().width);
    const s = Math.max(1, Math.round(onScreen / t));
    const d = t * s;
    const side = 3 * d + 4;
    expect([m.width, m.height]).toEqual([8 + 8 * (2 * side + 16), 8 + 2 * (side + 8)]);
    const px = (png: PNG, x: number, y: number) => [
      ...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3),
    ];
    const live = snap.maps.find((mm) => mm.top.length === 9)!;
    const cell = snap.maps.indexOf(live);
    for (let r = 0; r < 9; r++) {
      const x0 = 8 + (cell % 8) * (2 * side + 16) + (r % 3) * (d + 2);
      const y0 = 8 + Math.floor(cell / 8) * (side + 8) + Math.floor(r / 3) * (d + 2);
      for (const [u, v] of [
        [0, 0],
        [t - 1, t - 1],
        [t >> 1, t >> 2],
      ] as const)
        expect(px(m, x0 + u * s + (s >> 1), y0 + v * s + (s >> 1))).toEqual(px(a, r * t + u, live.index * t + v));
    }
  });

  it('downloads the Curves data as CSV equal to the recorded metrics, against epochs, and the chart as PNG', async () => {
    await load(`view=curves&run=${RUN}`);
    await page.locator('zf-curves canvas.loss').waitFor();
    await page.waitForTimeout(200);
    expect(await page.locator('zf-curves canvas.loss').getAttribute('aria-label')).toContain('against epoch');
    const events = readFileSync(join(logdir.dir, RUN, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StoredEvent);
    const batches = events.filter(
      (e): e is Extract<StoredEvent, { type: 'metrics' }> => e.type === 'metrics' && e.batch !== undefined,
    );
    const perEpoch = Math.max(...batches.map((e) => e.batch!));
    const csvRows = (text: string, series: string) =>
      text
        .trim()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(','))
        .filter((r) => r[0] === series)
        .map((r) => [Number(r[1]), Number(r[2])]);
    const csv = (await download('chart-0-csv')).bytes.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('series,x,y');
    // batch b of B in epoch e sits at e - 1 + b/B; the last batch of epoch 10 at 10.
    expect(csvRows(csv, 'train loss (batch)')).toEqual(
      batches.map((e) => [e.epoch - 1 + e.batch! / perEpoch, e.values.loss]),
    );
    expect(Math.max(...csvRows(csv, 'train loss (batch)').map((r) => r[0]!))).toBe(10);
    const ends = events.filter(
      (e): e is Extract<StoredEvent, { type: 'metrics' }> => e.type === 'metrics' && e.batch === undefined,
    );
    expect(csvRows(csv, 'validation loss')).toEqual(ends.map((e) => [e.epoch, e.values.val_loss]));
    const png = PNG.sync.read((await download('chart-0-png')).bytes);
    const canvas = await page
      .locator('zf-curves canvas.loss')
      .evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect([png.width, png.height]).toEqual(canvas);
    await page.screenshot({ path: `${SHOTS}/curves-epochs.png` });
    // The batch-index axis, on request (and in the URL).
    await page.locator('zf-curves button[data-axis="batch"]').click();
    expect(param('axis')).toBe('batch');
    await page.waitForTimeout(100);
    const byBatch = csvRows((await download('chart-0-csv')).bytes.toString('utf8'), 'train loss (batch)');
    expect(byBatch.map((r) => r[0])).toEqual(batches.map((e) => (e.epoch - 1) * perEpoch + e.batch!));
  });

  it('downloads the feature page strip and its health as CSV matching the snapshots', async () => {
    await load(`view=feature&run=${RUN}&layer=conv2&feature=1`);
    await page.locator('zf-feature-page [data-strip] .col').first().waitFor();
    const csv = (await download('feature-health-csv')).bytes
      .toString('utf8')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const header = csv[0]!;
    expect(header.slice(0, 3)).toEqual(['epoch', 'state', 'active_share']);
    const col = header.indexOf('weight_change');
    expect(csv.slice(1).map((r) => [Number(r[0]), r[col] === '' ? null : Number(r[col])])).toEqual(
      [1, 2, 5, 10].map((e) => [e, snapshotOnDisk(RUN, e, 'conv2').maps[1]!.health.weightChange]),
    );
    const strip = PNG.sync.read((await download('strip')).bytes);
    const t = snapshotOnDisk(RUN, 10, 'conv2').atlas.tile;
    const d = t * Math.max(1, Math.round(48 / t));
    // 4 epoch columns of 3x3 tiles, projections above patches (export/montage.ts stripLayout).
    expect([strip.width, strip.height]).toEqual([8 + 4 * (3 * d + 4 + 8), 8 + 2 * (3 * d + 4) + 8 + 8]);
    expect(await page.locator('zf-export-menu [data-export-status]').textContent()).toContain(
      'saved zf-7x7s2-conv2-feature1-deconvnet-epochs.png',
    );
  });

  it('downloads Evolution as one PNG, each Compare mosaic, and a chart as JSON equal to its CSV', async () => {
    await load(`view=evolution&run=${RUN}&layer=conv3`);
    await page.locator('zf-evolution tbody tr').first().waitFor();
    const evo = PNG.sync.read((await download('evolution-montage')).bytes);
    const snap = snapshotOnDisk(RUN, 10, 'conv3');
    const d = snap.atlas.tile * Math.max(1, Math.round(64 / snap.atlas.tile));
    // A row per feature, a column per epoch (1, 2, 5, 10), 8 px apart.
    expect([evo.width, evo.height]).toEqual([8 + 4 * (d + 8), 8 + snap.maps.length * (d + 8)]);
    await load(`view=compare&run=${RUN}&compare=alex-11x11s4&layer=conv2&epoch=10`);
    await page.locator('zf-compare [data-side="alex-11x11s4"] [data-mosaic]').waitFor();
    const mosaic = PNG.sync.read((await download('mosaic-alex-11x11s4')).bytes);
    const alive = snapshotOnDisk('alex-11x11s4', 10, 'conv2').maps.filter((m) => m.top.length).length;
    // The live maps' 48 px tiles, up to 16 to a row, 2 px apart, 8 px padding.
    const cols = Math.min(16, alive);
    expect([mosaic.width, mosaic.height]).toEqual([
      16 + cols * 48 + (cols - 1) * 2,
      16 + Math.ceil(alive / 16) * 50 - 2,
    ]);
    await load(`view=curves&run=${RUN}`);
    await page.locator('zf-curves canvas.acc').waitFor();
    await page.waitForTimeout(200);
    const json = JSON.parse((await download('chart-1-json')).bytes.toString('utf8')) as {
      series: string;
      x: number;
      y: number;
    }[];
    const csv = (await download('chart-1-csv')).bytes
      .toString('utf8')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(json.map((r) => [r.series, r.x, r.y])).toEqual(csv.map((r) => [r[0], Number(r[1]), Number(r[2])]));
    expect(new Set(json.map((r) => r.series))).toEqual(
      new Set(['train accuracy (batch)', 'train accuracy (epoch)', 'validation accuracy']),
    );
  });

  it('puts the current view in a share link', async () => {
    await load(`view=evolution&run=${RUN}&layer=conv4&epoch=5&method=guided`);
    await page.locator('zf-export-menu [data-share]').click();
    const link = await page.locator('zf-export-menu [data-share-link]').inputValue();
    expect(link).toBe(page.url());
    const other = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await other.goto(link);
    await other.locator('zf-evolution table[data-layer="conv4"]').waitFor();
    expect(await other.locator('zf-evolution th.cur').textContent()).toContain('epoch 5');
    expect(await other.locator('zf-evolution button[data-method="guided"]').getAttribute('aria-pressed')).toBe('true');
    await other.close();
    // The link shown was this view's: once the view changes it is gone, not stale.
    await page.locator('zf-evolution button[data-layer="conv2"]').click();
    await expect.poll(() => page.locator('zf-export-menu [data-share-link]').count()).toBe(0);
  });

  it('aligns Compare on the nearest snapshot epoch of each run and says when they differ', async () => {
    const trainer = await connectTrainer(server.url, server.ingestToken, 'alex-11x11s4');
    try {
      for (const layer of ['conv1', 'conv2'])
        await trainer.send(snapshotEvent(logdir.dir, 'alex-11x11s4', 5, layer, 7));
    } finally {
      trainer.close();
    }
    await load('view=compare&run=alex-11x11s4&compare=zf-7x7s2&layer=conv2&epoch=7');
    const note = page.locator('zf-compare [data-epoch-note]');
    await note.waitFor();
    expect(await page.locator('zf-compare [data-side="alex-11x11s4"]').getAttribute('data-epoch')).toBe('7');
    // zf-7x7s2 has 1, 2, 5, 10: 5 is nearest to 7.
    expect(await page.locator('zf-compare [data-side="zf-7x7s2"]').getAttribute('data-epoch')).toBe('5');
    expect(await note.textContent()).toContain('zf-7x7s2 at epoch 5');
    await expect
      .poll(() => page.locator('zf-compare [data-side="zf-7x7s2"]').textContent())
      .toContain('epoch 5 (the nearest snapshot to epoch 7)');
    await page.screenshot({ path: `${SHOTS}/compare-aligned.png` });
    // A mosaic tile opens that feature's page in its own run, at the epoch that side shows.
    await page.locator('zf-compare [data-side="zf-7x7s2"] [data-mosaic] a[data-feature="4"]').click();
    await page.locator('zf-feature-page [data-strip]').waitFor();
    expect([param('view'), param('run'), param('layer'), param('feature'), param('epoch')]).toEqual([
      'feature',
      'zf-7x7s2',
      'conv2',
      '4',
      '5',
    ]);
    await load('view=compare&run=alex-11x11s4&compare=zf-7x7s2&layer=conv2&epoch=10');
    await page.locator('zf-compare [data-side="zf-7x7s2"] [data-mosaic]').waitFor();
    expect(await page.locator('zf-compare [data-epoch-note]').count()).toBe(0);
  });

  it('labels the Runs table: validation loss beside validation accuracy', async () => {
    await load('view=runs');
    const head = await page.locator('zf-run-list thead th').allTextContents();
    expect(head.slice(head.indexOf('val loss'), head.indexOf('val loss') + 2)).toEqual(['val loss', 'val acc']);
    const info = JSON.parse(readFileSync(join(logdir.dir, RUN, 'run.json'), 'utf8')) as {
      lastMetrics: Record<string, number>;
      config: { epochs: number };
    };
    const cells = await page.locator(`[data-run="${RUN}"] td`).allTextContents();
    expect(cells[head.indexOf('val loss')]).toBe(info.lastMetrics.val_loss!.toFixed(3));
    expect(cells[head.indexOf('epoch')]).toBe(`${info.lastMetrics.epoch} / ${info.config.epochs}`);
    const csv = (await download('runs-csv')).bytes
      .toString('utf8')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const row = csv.find((r) => r[0] === RUN)!;
    expect(Number(row[csv[0]!.indexOf('val_loss')])).toBe(info.lastMetrics.val_loss);
    expect(csv.length).toBe(4);
  });

  it('reads a monitor() run honestly: epochs without a total, and a chart it has no data for says why', async () => {
    const trainer = await connectTrainer(server.url, server.ingestToken, 'mon-1');
    try {
      const info = JSON.parse(readFileSync(join(logdir.dir, RUN, 'run.json'), 'utf8'));
      // What monitor() records: epochs 0 (model.fit's count is not known to it), Keras-style logs.
      await trainer.send({
        type: 'run-started',
        config: { ...info.config, epochs: 0, snapshotEpochs: [] },
        dataset: info.dataset,
        model: info.model,
        backend: 'cpu',
        startedAt: '2026-12-01T10:00:00.000Z',
      });
      await trainer.send({ type: 'metrics', epoch: 1, batch: 5, values: { loss: 2.2 } });
      await trainer.send({ type: 'metrics', epoch: 1, batch: 10, values: { loss: 2.0 } });
      await trainer.send({ type: 'metrics', epoch: 1, values: { loss: 2.05 } });
      await trainer.send({ type: 'metrics', epoch: 2, batch: 5, values: { loss: 1.9 } });
    } finally {
      trainer.close();
    }
    await load('view=runs');
    const head = await page.locator('zf-run-list thead th').allTextContents();
    await expect
      .poll(async () => (await page.locator('[data-run="mon-1"] td').allTextContents())[head.indexOf('epoch')])
      .toBe('1');
    await load('view=curves&run=mon-1');
    await page.locator('zf-curves canvas.loss').waitFor();
    expect(await page.locator('zf-curves [data-empty="acc"]').textContent()).toBe(
      'This run logs no train accuracy (it sends: train loss).',
    );
    await page.waitForTimeout(200);
    // Batch 5 of 10 in epoch 2 sits at 1.5; the end of epoch 1 at 1.
    const rows = (await download('chart-0-csv')).bytes
      .toString('utf8')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual([
      ['train loss (batch)', 0.5, 2.2],
      ['train loss (batch)', 1, 2.0],
      ['train loss (batch)', 1.5, 1.9],
      ['train loss (epoch)', 1, 2.05],
    ]);
    await page.screenshot({ path: `${SHOTS}/curves-monitor.png` });
  });

  for (const width of [1400, 2560]) {
    it(`fills the window's width with the grid at ${width} px`, async () => {
      await page.setViewportSize({ width, height: 1000 });
      await load(`view=grid&run=${RUN}&layer=conv3&epoch=10`);
      await expectPixels('zf-layer-grid .cell:not(.is-dead) .block');
      const box = await page.locator('zf-layer-grid .grid').evaluate((g) => {
        const r = g.getBoundingClientRect();
        const cells = [...g.querySelectorAll('.cell')].map((c) => c.getBoundingClientRect());
        const firstRow = cells.filter((c) => c.top === cells[0]!.top);
        return {
          left: r.left,
          right: r.right,
          rowRight: Math.max(...firstRow.map((c) => c.right)),
          cols: firstRow.length,
          top: cells[0]!.top,
          height: cells[0]!.height,
        };
      });
      // The grid spans the window less main's 24 px padding; its first row of cells reaches the right edge.
      expect(box.left).toBe(24);
      expect(box.right).toBe(width - 24);
      expect(box.rowRight).toBeGreaterThan(width - 24 - 2);
      // Pixels: the right sixth of the window, across the first row, shows tiles, not background.
      await page.evaluate(() => window.scrollTo(0, 0));
      const spread = await pixelSpread(page, {
        x: Math.round(width * (5 / 6)),
        y: Math.round(box.top + 30),
        width: Math.round(width / 6 - 30),
        height: Math.round(box.height - 40),
      });
      expect(spread.std).toBeGreaterThan(12);
      await page.screenshot({ path: `${SHOTS}/grid-${width}.png` });
      await page.setViewportSize({ width: 1400, height: 900 });
    });
  }

  it('grows Evolution thumbnails with the window and fits every view into 1024 px without sideways scrolling', async () => {
    const thumbAt = async (width: number) => {
      await page.setViewportSize({ width, height: 900 });
      await load(`view=evolution&run=${RUN}&layer=conv3`);
      const table = page.locator('zf-evolution table');
      await table.waitFor();
      return {
        thumb: Number(await table.getAttribute('data-thumb')),
        tile: await page
          .locator('zf-evolution tbody tr')
          .first()
          .locator('.tile')
          .first()
          .evaluate((t) => t.getBoundingClientRect().width),
      };
    };
    const narrow = await thumbAt(1024);
    const wide = await thumbAt(1400);
    expect(wide.tile).toBeGreaterThan(narrow.tile);
    expect(narrow.tile).toBe(narrow.thumb);
    for (const view of ['runs', 'curves', 'grid', 'evolution', 'convergence', 'health', 'compare', 'feature']) {
      await page.setViewportSize({ width: 1024, height: 800 });
      await load(`view=${view}&run=${RUN}&layer=conv2&feature=1`);
      await page.waitForTimeout(150);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), view).toBeLessThanOrEqual(1024);
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('threw nothing along the way', () => {
    expect(errors).toEqual([]);
  });
});
