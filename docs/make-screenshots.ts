/**
 * Screenshots of the dashboard's views over runs in a logdir, for the README (docs/screenshots/):
 *
 *   npx tsx docs/make-screenshots.ts LOGDIR OUTDIR view:run[:epoch[:layer[:feature]]] ...
 *   (a feature scrolls its row or cell into view first)
 *   e.g. npx tsx docs/make-screenshots.ts /work/readme-runs docs/screenshots convergence:fm20-7x7s2 health:fm20-11x11s4:20
 *
 * A real zfscope server on a free port and Debian's Chromium (playwright-core).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../bench/chromium.js';
import { startServer } from '../server/index.js';

const [logdir, outdir, ...shots] = process.argv.slice(2);
if (!logdir || !outdir || !shots.length) {
  console.error('usage: npx tsx docs/make-screenshots.ts LOGDIR OUTDIR view:run[:epoch[:layer]] ...');
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });
const server = await startServer({ logdir, port: 0, log: () => undefined });
const browser = await launchChromium('make-screenshots');
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  for (const shot of shots) {
    const [view, run, epoch, layer, feature] = shot.split(':');
    const hash = `view=${view}&run=${run}${epoch ? `&epoch=${epoch}` : ''}${layer ? `&layer=${layer}` : ''}`;
    await page.goto(`${server.url}/#${hash}`);
    await page.locator('zf-connection-badge[status="open"]').waitFor();
    await page.waitForTimeout(2500);
    if (feature) {
      await page.locator(`[data-index="${feature}"]`).first().scrollIntoViewIfNeeded();
      await page.waitForTimeout(1500);
    }
    const file = join(
      outdir,
      `${view}-${run}${epoch ? `-e${epoch}` : ''}${layer ? `-${layer}` : ''}${feature ? `-f${feature}` : ''}.png`,
    );
    // Views that render rows lazily (grid, evolution) are shown as the window shows them.
    await page.screenshot({ path: file, fullPage: view === 'convergence' || view === 'health' });
    console.log(file);
  }
} finally {
  await browser.close();
  await server.close();
}
