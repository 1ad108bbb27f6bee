/**
 * Shared by the browser tests and the dashboard bench: a real zfscope server over a recorded run,
 * a headless Debian Chromium driven by playwright-core (never a downloaded browser), and pixel
 * read-back of what is on screen.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Locator, Page } from 'playwright-core';
import { CHROMIUM, hasChromium as hasBrowser, launchChromium } from '../../bench/chromium.js';
import { writeTestFixture } from '../fixtures/make-recorded-run.js';
import { type RunningServer, type ServerOptions, startServer } from '../../server/index.js';

export { CHROMIUM, launchChromium } from '../../bench/chromium.js';
export const hasChromium = hasBrowser();
if (!hasChromium) console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
/** Skip a browser test file only outside CI: in CI (CI=true) a missing Chromium fails it. */
export const skipBrowser = !hasChromium && process.env.CI !== 'true';

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bump when the fixture generator changes, so the cached copy is rebuilt. */
const FIXTURE_VERSION = 7;

/**
 * A fresh logdir holding the recorded test runs (see writeTestFixture). Generated once into .cache/ (a few seconds)
 * and copied for each caller, since tests write into their logdir (ingest, restarts).
 */
export function fixtureLogdir(): { dir: string; remove: () => void } {
  const cached = join('.cache', `recorded-run-v${FIXTURE_VERSION}`);
  if (!existsSync(cached)) {
    // One worker writes it (the lock is an exclusive mkdir); the others wait instead of competing for the CPU.
    mkdirSync('.cache', { recursive: true });
    let writer = false;
    try {
      mkdirSync(`${cached}.lock`);
      writer = true;
    } catch {
      // held by another worker
    }
    if (writer) {
      try {
        const tmp = mkdtempSync(join(tmpdir(), 'zf-fixture-'));
        writeTestFixture(tmp);
        cpSync(tmp, `${cached}.tmp`, { recursive: true });
        renameSync(`${cached}.tmp`, cached);
        rmSync(tmp, { recursive: true, force: true });
      } finally {
        rmSync(`${cached}.lock`, { recursive: true, force: true });
      }
    } else {
      const until = Date.now() + 120_000;
      while (!existsSync(cached)) {
        if (Date.now() > until)
          throw new Error(`fixture: waited 120 s for ${cached} (remove ${cached}.lock if a crashed run left it)`);
        if (!existsSync(`${cached}.lock`)) return fixtureLogdir(); // the writer failed: try ourselves
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      }
    }
  }
  const t = tempDir('zf-logdir-');
  cpSync(cached, t.dir, { recursive: true });
  return t;
}

/** Luminance spread of what an element shows on screen: ~0 for a blank or flat area. */
export async function pixelSpread(
  target: Locator | Page,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<{ std: number; distinct: number }> {
  const buf = 'screenshot' in target && !clip ? await target.screenshot() : await (target as Page).screenshot({ clip });
  const png = PNG.sync.read(buf);
  let sum = 0;
  let sum2 = 0;
  const seen = new Set<number>();
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const r = png.data[i * 4]!;
    const g = png.data[i * 4 + 1]!;
    const b = png.data[i * 4 + 2]!;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sum2 += y * y;
    if (seen.size < 5000) seen.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), distinct: seen.size };
}

/** A real server over a logdir and one Chromium page on it: what every browser test file starts with. */
export interface DashboardSession {
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Uncaught page errors, in order (a test asserts there are none). */
  errors: string[];
  close(): Promise<void>;
}

export async function dashboardSession(
  logdir: string,
  opts: {
    viewport?: { width: number; height: number };
    acceptDownloads?: boolean;
    server?: Partial<ServerOptions>;
  } = {},
): Promise<DashboardSession> {
  const server = await startServer({ logdir, port: 0, log: () => undefined, ...opts.server });
  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    ...(opts.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    server,
    browser,
    page,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical findings on the page as it is now (axe walks open shadow roots). */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{
            violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
      }));
  });
}
