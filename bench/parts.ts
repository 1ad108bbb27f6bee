/**
 * The benchmark parts registry. `npm run bench` runs every part; `npm run bench -- PART` runs one.
 * Each part is one file in bench/parts/ and one line here. A part returns flat figures that end up
 * in the JSON object printed as the last line of the run.
 */
export interface BenchPart {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<Record<string, unknown>>;
}

/** Lazily imported so that running one part does not load the others' dependencies. */
export const BENCH_PARTS: Record<string, () => Promise<BenchPart>> = {
  server: () => import('./parts/server.js').then((m) => m.default),
  datasets: () => import('./parts/datasets.js').then((m) => m.default),
  backends: () => import('./parts/backends.js').then((m) => m.default),
  dashboard: () => import('./parts/dashboard.js').then((m) => m.default),
  snapshot: () => import('./parts/snapshot.js').then((m) => m.default),
  analyses: () => import('./parts/analyses.js').then((m) => m.default),
};
