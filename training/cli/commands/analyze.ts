/**
 * `zfscope analyze RUN --epoch N ANALYSIS [options]`: ask a stored run's network a question at one
 * checkpointed epoch without a server, writing into the same store the server reads
 * (runs/<run>/analyses/...); a repeated question is answered from there. Progress goes to stderr;
 * with --json the last stdout line is {"analysis","run","epoch","params","result"}, images as paths.
 */
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { formatHelp, int, parseFlags, type FlagSpec } from '../flags.js';
import type { Command } from '../command.js';
import { UsageError } from '../../../server/errors.js';
import { initBackend, type BackendChoice } from '../../backend/index.js';
import { ANALYSES, type Analysis } from '../../analyses/index.js';
import { checkRequest, runChecked } from '../../analyses/runner.js';
import { analysisDir, mapNames } from '../../analyses/store.js';

const COMMON: FlagSpec[] = [
  { name: 'epoch', arg: 'N', help: 'the checkpointed epoch to analyse (required)', parse: int(0) },
  { name: 'logdir', arg: 'DIR', help: 'where the runs are (default ./runs)' },
  {
    name: 'json',
    boolean: true,
    help: 'end with one JSON line {"analysis","run","epoch","params","result"} on stdout',
  },
  { name: 'backend', arg: 'NAME', help: 'tensor backend: auto, node, wasm, cpu (default auto)' },
  { name: 'data', arg: 'PATH', help: "where the run's dataset files are, when not where the run found them" },
];

const USAGE = 'zfscope analyze RUN --epoch N ANALYSIS [options]';

function paramFlags(a: Analysis): FlagSpec[] {
  return a.params.map((p) => ({
    name: p.name,
    help: p.help,
    ...(p.kind === 'boolean'
      ? { boolean: true }
      : { arg: p.kind === 'choice' ? p.choices.join('|') : p.kind === 'string' ? 'NAME' : 'N' }),
  }));
}

function mainHelp(): string {
  const list = Object.values(ANALYSES)
    .map((a) => `  ${a.name.padEnd(16)} ${a.description}`)
    .join('\n');
  return `${formatHelp(USAGE, 'Ask the network of a stored run a question at one checkpointed epoch; the result is stored in the run.', COMMON)}

analyses ('zfscope analyze ANALYSIS --help' lists an analysis's options):
${list}

examples:
  zfscope analyze my-run --epoch 10 optimal-input --class 3
  zfscope analyze my-run --epoch 10 optimal-input --layer conv4 --feature 17
  zfscope analyze my-run --epoch 10 reconstruction --image 0
  zfscope analyze my-run --epoch 10 occlusion --image 3 --stride 1
  zfscope analyze my-run --epoch 10 invariance --count 5
  zfscope analyze my-run --epoch 10 correspondence --class 2`;
}

/** A progress line on stderr: redrawn on a terminal, every 10% elsewhere. */
function progressLine(name: string): (done: number, total: number, note?: string) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastTenth = -1;
  return (done, total, note) => {
    const frac = total ? done / total : 1;
    const text = `zfscope: ${name}${note ? ` ${note}` : ''} ${done}/${total} (${Math.round(frac * 100)}%)`;
    if (tty) process.stderr.write(`\r${text}\x1b[K${done >= total ? '\n' : ''}`);
    else if (Math.floor(frac * 10) > lastTenth) {
      lastTenth = Math.floor(frac * 10);
      process.stderr.write(`${text}\n`);
    }
  };
}

export async function runAnalyzeCommand(argv: string[]): Promise<number> {
  // Every analysis's options are known to the parser; those of another analysis are refused below.
  const all = new Map<string, FlagSpec>();
  for (const a of Object.values(ANALYSES)) for (const f of paramFlags(a)) all.set(f.name, f);
  const flags = parseFlags(argv, [...COMMON, ...all.values()]);
  const named = flags._.find((p) => Object.hasOwn(ANALYSES, p));
  if (flags.help) {
    console.log(
      named
        ? formatHelp(`zfscope analyze RUN --epoch N ${named} [options]`, ANALYSES[named]!.description, [
            ...paramFlags(ANALYSES[named]!),
            ...COMMON,
          ])
        : mainHelp(),
    );
    return 0;
  }
  if (flags._.length !== 2)
    throw new UsageError(
      `expected RUN and ANALYSIS (usage: ${USAGE}); found ${flags._.length ? flags._.map((p) => `'${p}'`).join(' ') : 'neither'}`,
    );
  const [runId, name] = flags._ as [string, string];
  if (!Object.hasOwn(ANALYSES, name))
    throw new UsageError(
      `unknown analysis '${name}'; valid: ${Object.keys(ANALYSES).join(', ')} (see zfscope analyze --help)`,
    );
  if (flags.epoch === undefined)
    throw new UsageError('--epoch: expected the checkpointed epoch to analyse (e.g. --epoch 10)');
  const analysis = ANALYSES[name]!;
  const own = new Set(analysis.params.map((p) => p.name));
  const params: Record<string, unknown> = {};
  for (const f of all.keys()) {
    if (flags[f] === undefined) continue;
    if (!own.has(f))
      throw new UsageError(
        `--${f} is not an option of ${name}; its options: ${[...own].map((o) => `--${o}`).join(', ')}`,
      );
    params[f] = flags[f];
  }
  const logdir = resolve((flags.logdir as string | undefined) ?? 'runs');
  const epoch = flags.epoch as number;
  const req = await checkRequest(logdir, { run: runId, epoch, analysis: name, params });
  tf.env().set('PROD', true);
  const backend = await initBackend(
    (flags.backend as BackendChoice | undefined) ??
      (process.env.ZFSCOPE_BACKEND as BackendChoice | undefined) ??
      'auto',
  );
  process.stderr.write(`zfscope: ${name} on run ${runId} at epoch ${epoch} (backend ${backend.name})\n`);
  const { stored, cached } = await runChecked(logdir, req, {
    onProgress: progressLine(name),
    ...(flags.data ? { dataPath: flags.data as string } : {}),
  });
  const dir = analysisDir(logdir, runId, epoch, stored.key);
  const result = mapNames(stored.result, new Map(stored.files.map((f) => [f, join(dir, f)]))) as Record<
    string,
    unknown
  >;
  process.stderr.write(
    `zfscope: ${cached ? 'answered from the store' : `done in ${stored.seconds.toFixed(1)} s`}: ${join(dir, 'result.json')}\n`,
  );
  if (flags.json)
    console.log(JSON.stringify({ analysis: name, run: runId, epoch, params: stored.params, result, cached }));
  else console.log(summary(name, result));
  return 0;
}

function summary(name: string, r: Record<string, unknown>): string {
  if (name === 'optimal-input') {
    const obj = r.objective as number[];
    return `objective ${obj[0]!.toFixed(3)} -> ${obj.at(-1)!.toFixed(3)} over ${obj.length - 1} steps; image: ${String(r.image)}`;
  }
  if (name === 'reconstruction') {
    const layers = r.layers as Record<string, { pixelError: number; representationError: number; image: string }>;
    return Object.entries(layers)
      .map(
        ([l, v]) =>
          `${l.padEnd(6)} pixel error ${v.pixelError.toFixed(3)}  representation error ${v.representationError.toFixed(3)}  ${v.image}`,
      )
      .join('\n');
  }
  if (name === 'occlusion') {
    const images = r.images as Array<{
      image: number;
      feature: number;
      clean: { probability: number };
      probability: number[][];
    }>;
    return images
      .map(
        (im) =>
          `image ${im.image}: ${String(r.layer)} map ${im.feature}; p(true class) ${im.clean.probability.toFixed(3)} clean, ${Math.min(...im.probability.flat()).toFixed(3)} at the most sensitive occluder position`,
      )
      .join('\n');
  }
  if (name === 'invariance') {
    type Curves = { values: number[]; images: Array<{ conv1: number[]; fc7: number[] }> };
    return (['shift', 'scale', 'rotation'] as const)
      .map((t) => {
        const c = r[t] as Curves;
        const mx = (k: 'conv1' | 'fc7') => Math.max(...c.images.flatMap((im) => im[k])).toPrecision(3);
        return `${t.padEnd(8)} ${c.values[0]} to ${c.values.at(-1)}: largest distance conv1 ${mx('conv1')}, fc7 ${mx('fc7')}`;
      })
      .join('\n');
  }
  if (name === 'correspondence') {
    type D = { delta: { conv5: number; fc7: number }; spread: { conv5: number; fc7: number } };
    const row = (label: string, d: D) =>
      `${label.padEnd(8)} conv5 ${d.delta.conv5.toFixed(3)} ± ${d.spread.conv5.toFixed(3)}   fc7 ${d.delta.fc7.toFixed(3)} ± ${d.spread.fc7.toFixed(3)}`;
    return [
      ...Object.entries(r.regions as Record<string, D>).map(([n, d]) => row(n, d)),
      row('random', r.random as D),
    ].join('\n');
  }
  return JSON.stringify(r);
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: "ask a stored run's network a question at an epoch (optimal input, reconstruction, ...)",
  run: runAnalyzeCommand,
};
