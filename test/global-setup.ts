import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time under a folder (recursive), 0 when it does not exist. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Browser and server tests serve the built dashboard: build it once when it is missing or stale. */
export default function setup(): void {
  const out = 'dist/dashboard-app/index.html';
  if (existsSync('dashboard/index.html') && (!existsSync(out) || newest('dashboard') > statSync(out).mtimeMs)) {
    try {
      execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    } catch {
      // Only the tests that serve the dashboard need it; they fail with their own message.
      console.error('global-setup: the dashboard build failed (see above); dashboard tests will fail');
    }
  }
}
