/**
 * The trainer's flags and presets, turned into a RunConfig. Pure: no I/O, so every flag's
 * validation is a table-testable function.
 */
import { EXPERIMENT_NAMES, MAX_ANALYSIS_IMAGES, type ExperimentName, type RunConfig } from '../../server/protocol.js';
import { CONV1_PRESETS, DEFAULT_WIDTHS, formatConvSpec, parseConvSpec } from '../model/config.js';
import { fail, int, list, oneOf, positiveNumber, type FlagSpec } from './flags.js';
import { UsageError } from '../../server/errors.js';
import { DEFAULT_SNAPSHOT_EPOCHS, parseMethods, parseSnapshotEpochs, snapshotEpochsFor } from '../viz/schedule.js';

export const PRESETS = {
  /** The main job on a fresh clone: minutes on 2 cores, still showing evolution at every layer. */
  quick: { dataset: 'sample', epochs: 8, snapshots: [1, 2, 4, 8], batch: 64, lr: 0.01, probe: 300, trainLimit: 6000 },
  /** The paper's schedule (ZF Fig. 4): 64 epochs, snapshots at 1, 2, 5, 10, 20, 30, 40, 64. */
  paper: {
    dataset: 'fashion-mnist',
    epochs: 64,
    snapshots: DEFAULT_SNAPSHOT_EPOCHS,
    batch: 128,
    lr: 0.01,
    probe: 1000,
    trainLimit: 0,
  },
} as const;
export type PresetName = keyof typeof PRESETS;

const conv1Flag = (text: string, flag: string) => {
  const preset = CONV1_PRESETS[text];
  if (preset) return preset;
  const spec = parseConvSpec(text);
  if (!spec || spec.kernel > 15 || spec.stride > 8)
    fail(
      flag,
      `KxK/S with K in 1..15 and S in 1..8 (e.g. 7x7/2, 11x11/4) or one of ${Object.keys(CONV1_PRESETS).join(', ')}`,
      text,
    );
  return spec;
};

const widthsFlag = (text: string, flag: string) => {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 7 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 4096)) {
    fail(flag, '7 comma-separated integers 1..4096 (conv1..conv5, fc6, fc7), e.g. 32,64,96,96,64,256,256', text);
  }
  return parts.map(Number);
};

/** Wraps a parser whose errors already name the flag. */
const listFlag =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };

/** `--analyses`: the figure experiments run at each snapshot epoch (all, none, or a list). */
export function parseAnalyses(text: string, flag = 'analyses'): ExperimentName[] {
  const t = text.trim();
  if (t === 'all') return [...EXPERIMENT_NAMES];
  if (t === 'none') return [];
  const parts = t.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !(EXPERIMENT_NAMES as readonly string[]).includes(p));
  if (bad.length || parts.length === 0)
    fail(flag, `all, none or a comma-separated list of ${EXPERIMENT_NAMES.join(', ')}`, text);
  return EXPERIMENT_NAMES.filter((n) => parts.includes(n));
}

/** Flags of the server, shared by `serve` and `start`. */
export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'host', arg: 'HOST', help: 'address to bind (default 127.0.0.1; 0.0.0.0 exposes it: set --viewer-token)' },
  { name: 'port', arg: 'N', help: 'port (default 6006; 0 picks a free one)', parse: int(0, 65535) },
  {
    name: 'token',
    arg: 'TOKEN',
    help: 'ingest token trainers must present (default: $ZFSCOPE_INGEST_TOKEN, else generated and printed)',
  },
  {
    name: 'viewer-token',
    arg: 'TOKEN',
    help: 'token the dashboard and REST need (default: $ZFSCOPE_VIEWER_TOKEN, else none)',
  },
  {
    name: 'allow-origin',
    arg: 'LIST',
    help: "browser origins allowed besides the server's own and loopback ones, e.g. https://nb.example:8888 ('*': any)",
    parse: list,
  },
  {
    name: 'allow-host',
    arg: 'LIST',
    help: "Host names allowed besides IP addresses and localhost without a viewer token, e.g. gpu-box.lan ('*': any)",
    parse: list,
  },
];

/** Flags shared by `train` and `start`. */
export const TRAIN_FLAGS: FlagSpec[] = [
  {
    name: 'preset',
    arg: 'quick|paper',
    help: 'starting values for the flags below (default quick)',
    parse: oneOf(['quick', 'paper'] as const),
  },
  {
    name: 'dataset',
    arg: 'NAME',
    help: 'sample (embedded Fashion-MNIST subset), fashion-mnist, mnist, cifar10, folder',
  },
  {
    name: 'data',
    arg: 'PATH',
    help: 'where the dataset files are (default: $ZFSCOPE_DATA, ~/.cache/zfscope, well-known places)',
  },
  {
    name: 'download',
    boolean: true,
    help: 'download the dataset from its official address when it is not found locally',
  },
  { name: 'epochs', arg: 'N', help: 'epochs to train (quick 8, paper 64)', parse: int(1, 10000) },
  {
    name: 'snapshots',
    arg: 'LIST',
    help: 'snapshot epochs, e.g. 1,2,5,10,20,30,40,64',
    parse: listFlag(parseSnapshotEpochs),
  },
  { name: 'batch', arg: 'N', help: 'mini-batch size (quick 64, paper 128)', parse: int(1, 4096) },
  { name: 'lr', arg: 'X', help: 'SGD learning rate, momentum 0.9 (default 0.01)', parse: positiveNumber },
  {
    name: 'conv1',
    arg: 'KxK/S',
    help: 'conv1 kernel and stride: 7x7/2 (default), 11x11/4, 5x5/1, or zf, zf7, alex2, alex4',
    parse: conv1Flag,
  },
  {
    name: 'widths',
    arg: 'LIST',
    help: 'conv1..conv5, fc6, fc7 widths (default 32,64,96,96,64,256,256)',
    parse: widthsFlag,
  },
  {
    name: 'probe',
    arg: 'N',
    help: 'probe images the snapshots are computed on (quick 300, paper 1000)',
    parse: int(9, 100000),
  },
  { name: 'train-limit', arg: 'N', help: 'use at most N training images (0: all)', parse: int(0, 10_000_000) },
  {
    name: 'methods',
    arg: 'LIST',
    help: 'projection methods: deconvnet (default), backprop, guided',
    parse: listFlag(parseMethods),
  },
  {
    name: 'analyses',
    arg: 'LIST',
    help: 'figure experiments at each snapshot epoch: all (default: occlusion, invariance, correspondence), none, or a list',
    parse: (t: string, f: string) => parseAnalyses(t, f),
  },
  {
    name: 'analysis-images',
    arg: 'N',
    help: `fixed probe images of the occlusion and invariance experiments (default 4, at most ${MAX_ANALYSIS_IMAGES})`,
    parse: int(1, MAX_ANALYSIS_IMAGES),
  },
  {
    name: 'backend',
    arg: 'NAME',
    help: 'auto (default, or $ZFSCOPE_BACKEND), node, wasm, cpu',
    parse: oneOf(['auto', 'node', 'wasm', 'cpu'] as const),
  },
  {
    name: 'threads',
    arg: 'auto|1|2',
    help: 'training threads on wasm: auto (2 with two cores), 1, 2',
    parse: (t: string, f: string) => (t === 'auto' ? 'auto' : int(1, 2)(t, f)),
  },
  {
    name: 'seed',
    arg: 'N',
    help: 'seed for initialization, split, probe set and shuffling (default 1)',
    parse: int(0, 2 ** 31 - 1),
  },
  { name: 'logdir', arg: 'PATH', help: 'where runs are stored (default ./runs)' },
  { name: 'run-id', arg: 'ID', help: 'name of the run (default: date, dataset and conv1)' },
  { name: 'resume', arg: 'RUN', help: 'continue run RUN from its last checkpoint' },
];

export interface TrainFlags {
  preset?: PresetName;
  dataset?: string;
  epochs?: number;
  snapshots?: number[];
  batch?: number;
  lr?: number;
  conv1?: { kernel: number; stride: number };
  widths?: number[];
  probe?: number;
  'train-limit'?: number;
  methods?: string[];
  analyses?: ExperimentName[];
  'analysis-images'?: number;
  seed?: number;
}

/** The RunConfig for a new run from flags over a preset. */
export function runConfigFrom(flags: TrainFlags): RunConfig & { trainLimit: number; inputScale: number } {
  const preset = PRESETS[flags.preset ?? 'quick'];
  const epochs = flags.epochs ?? preset.epochs;
  const snapshots = snapshotEpochsFor(epochs, flags.snapshots ?? preset.snapshots);
  return {
    dataset: flags.dataset ?? preset.dataset,
    epochs,
    snapshotEpochs: snapshots,
    batchSize: flags.batch ?? preset.batch,
    learningRate: flags.lr ?? preset.lr,
    momentum: 0.9,
    conv1: flags.conv1 ?? { kernel: 7, stride: 2 },
    widths: flags.widths ?? [...DEFAULT_WIDTHS],
    probeSize: flags.probe ?? preset.probe,
    methods: flags.methods ?? ['deconvnet'],
    analyses: flags.analyses ?? [...EXPERIMENT_NAMES],
    analysisImages: flags['analysis-images'] ?? 4,
    seed: flags.seed ?? 1,
    preset: flags.preset ?? 'quick',
    // The quick preset's cap sizes its own (embedded) dataset; another dataset named on the command
    // line is used whole unless --train-limit says otherwise: an explicit flag wins over a preset.
    trainLimit:
      flags['train-limit'] ?? (flags.dataset === undefined || flags.dataset === preset.dataset ? preset.trainLimit : 0),
    // Mean-subtracted 0-255 pixels times 1/64 (about [-2, 2]). The paper's unscaled [-128, 128]
    // with He initialization saturates the softmax here (loss 14.5, chance accuracy after 3 epochs
    // on the sample, against 76% validation accuracy with 1/64).
    inputScale: 1 / 64,
  };
}

/**
 * The start line's note on a capped training set: said only when the limit took images away, with
 * whether the cap came from --train-limit or from the preset ("" when nothing was capped).
 */
export function capNote(limit: number, available: number, explicit: boolean, preset?: string): string {
  if (!limit || available <= limit) return '';
  return ` (capped at ${limit} of ${available} by --train-limit${explicit ? '' : ` of the ${preset ?? 'quick'} preset`})`;
}

/** A readable, unique-enough run id: 20261128-1705-sample-7x7s2. */
export function defaultRunId(config: RunConfig, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${config.dataset}-${formatConvSpec(config.conv1).replace('/', 's')}`.replace(
    /[^A-Za-z0-9._-]/g,
    '-',
  );
}
