/** `zfscope findings` as text: what a person reads in a terminal. */
import { ADVICE, legend } from '../viz/diagnostics/rules.js';
import type { Comparison } from './compare.js';
import type { Findings } from './findings.js';

const f = (v: number | null | undefined, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(0)}%` : '—');
const pad = (s: string, n: number) => s.padEnd(n);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((c, i) => pad(c, widths[i]!))
        .join('  ')
        .trimEnd(),
  );
}

export function formatFindings(run: string, about: string, x: Findings, images?: number): string {
  const out: string[] = [`zfscope findings: ${run} (${about})`, ''];
  const c = x.convergence;
  out.push(
    `Convergence: ${c.measure}${images ? ` (${images} images)` : ''}; a layer has settled while it stays below ${c.threshold}.`,
  );
  const rows = [['layer', ...x.epochs.map((e) => `e${e}`), 'settled']];
  for (const [name, l] of Object.entries(c.layers)) {
    rows.push([
      name,
      ...x.epochs.map((e) => f(l.change[e], 4)),
      l.settledAt === null ? 'not yet' : `since epoch ${l.settledAt}`,
    ]);
  }
  out.push(...table(rows), '');
  const last = x.epochs.at(-1)!;
  out.push(`CKA of each snapshot with the latest (epoch ${last}):`);
  out.push(
    ...table([
      ['layer', ...x.epochs.map((e) => `e${e}`)],
      ...Object.entries(c.layers).map(([n, l]) => [n, ...x.epochs.map((e) => f(l.ckaToLatest[e], 3))]),
    ]),
    '',
  );

  out.push(`Jumps: ${x.jumps.length} (${legend('jump', x.rules).replace(/^Jump: /, '')})`);
  const perSnapshot = new Map<string, number>();
  for (const j of x.jumps)
    perSnapshot.set(`${j.epoch}/${j.layer}`, (perSnapshot.get(`${j.epoch}/${j.layer}`) ?? 0) + 1);
  for (const j of x.jumps.slice(0, 40)) {
    out.push(
      `  epoch ${j.epoch} ${j.layer} #${j.feature}: z ${f(j.score, 1)}, response change ${f(j.responseChange, 2)}, ${j.reason === 'new-source' ? 'the strongest activation now comes from another image' : 'same top image, changed response'}`,
    );
  }
  if (x.jumps.length > 40) out.push(`  … and ${x.jumps.length - 40} more (--json lists all)`);
  out.push('');

  const lastStates = x.filters.filter((s) => s.epoch === last);
  out.push(`Filters at epoch ${last}: ${lastStates.length ? '' : 'none dead, weak or structureless'}`);
  for (const state of ['dead', 'weak', 'structureless'] as const) {
    const these = lastStates.filter((s) => s.state === state);
    if (!these.length) continue;
    out.push(
      `  ${state} (${these.length}): ${these
        .slice(0, 24)
        .map((s) => `${s.layer} #${s.feature} (since ${s.since})`)
        .join(', ')}${these.length > 24 ? ', …' : ''}`,
    );
    out.push(`    what to try: ${ADVICE[state]}`);
  }
  out.push('');

  const alias = x.aliasing[last];
  if (alias) {
    if (alias.stride === 1) {
      out.push(
        `Aliasing: conv1 has stride 1, nothing to alias; high-frequency share ${pct(alias.highFrequency)} (white noise ${pct(alias.highFrequencyNoise)}).`,
      );
    } else {
      const over = x.epochs.map((e) => `e${e} ${pct(x.aliasing[e]?.layer)}`).join(', ');
      out.push(
        `Aliasing (conv1, stride ${alias.stride}): ${pct(alias.layer)} of the filters' energy above the stride's limit at epoch ${last}; white noise of the same kernel and stride: ${pct(alias.noise)} (${pct(alias.ratio)} of it).`,
      );
      out.push(`  over the epochs: ${over}`);
      out.push(
        alias.advise
          ? `  At or above ${pct(x.rules.aliasingAdviseRatio)} of the noise level: try a smaller conv1 stride and kernel (ZF: 11x11/4 -> 7x7/2) and move the lost down-sampling to pool1 or conv2.`
          : `  Below the advice level (${pct(x.rules.aliasingAdviseRatio)} of the noise level): no change suggested.`,
      );
    }
  }
  return out.join('\n');
}

export function formatComparison(c: Comparison): string {
  const [a, b] = c.runs;
  const out = [
    `Fig. 6 comparison at epoch ${c.epoch}${c.sameEpoch ? '' : ` (no common snapshot epoch: ${a.run} at ${a.epoch}, ${b.run} at ${b.epoch})`}:`,
  ];
  const st = (r: typeof a, l: string) => `${r.states[l]!.dead} / ${r.states[l]!.weak} / ${r.states[l]!.structureless}`;
  out.push(
    ...table([
      ['', a.run, b.run],
      ['conv1', a.conv1, b.conv1],
      ['validation accuracy', pct(a.valAcc), pct(b.valAcc)],
      [
        'conv1 aliasing (white noise)',
        `${pct(a.aliasing)} (${pct(a.aliasingNoise)})`,
        `${pct(b.aliasing)} (${pct(b.aliasingNoise)})`,
      ],
      ['aliasing / noise', pct(a.aliasingRatio), pct(b.aliasingRatio)],
      ['conv1 dead / weak / structureless', st(a, 'conv1'), st(b, 'conv1')],
      ['conv2 dead / weak / structureless', st(a, 'conv2'), st(b, 'conv2')],
      ['settled layers', a.settled.join(', ') || 'none', b.settled.join(', ') || 'none'],
    ]),
  );
  return out.join('\n');
}
