import { BENCH_PARTS } from './parts.js';

/** Usage: npm run bench [-- PART ...]. Prints progress to stderr and one JSON object as the last stdout line. */
async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: npm run bench [-- PART ...]\nparts: ${Object.keys(BENCH_PARTS).join(', ')}`);
    return;
  }
  const names = argv.length ? argv : Object.keys(BENCH_PARTS);
  const unknown = names.filter((n) => !(n in BENCH_PARTS));
  if (unknown.length) {
    console.error(`bench: unknown part ${unknown.join(', ')}; valid parts: ${Object.keys(BENCH_PARTS).join(', ')}`);
    process.exit(2);
  }
  const result: Record<string, unknown> = {};
  for (const name of names) {
    const part = await BENCH_PARTS[name]!();
    console.error(`== bench part ${name}: ${part.description}`);
    const t0 = Date.now();
    result[name] = await part.run((line) => console.error(`[${name}] ${line}`));
    console.error(`== ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(JSON.stringify(result));
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
