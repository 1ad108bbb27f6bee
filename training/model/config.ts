/**
 * The small ZF-net's configuration: pure values, no tensors (the paper's 8 layers, narrowed for 28x28 and 32x32 images).
 *
 * The skeleton is ZF's: conv1 -> pool1 3/s -> conv2 -> pool2 3/2 -> conv3 3x3 -> conv4 3x3 ->
 * conv5 3x3 -> pool5 3/2 -> fc6 -> dropout -> fc7 -> dropout -> softmax. conv1's kernel and stride
 * are free; pool1's and conv2's strides compensate so that the stride product before conv3 stays
 * 8 (as ZF moved a factor of 2 of down-sampling from conv1 to conv2), so every preset has the same
 * shapes from conv3 up and only the first-layer story changes.
 */
import type { ConvSpec } from '../../server/protocol.js';
import { ZfError } from '../../server/errors.js';

export interface ZfNetConfig {
  /** [height, width, channels] */
  inputShape: [number, number, number];
  classes: number;
  conv1: ConvSpec;
  pool1Stride: number;
  conv2: ConvSpec;
  /** conv1..conv5, fc6, fc7 */
  widths: [number, number, number, number, number, number, number];
  dropout: number;
  padding: 'same' | 'valid';
}

export const DEFAULT_WIDTHS: ZfNetConfig['widths'] = [32, 64, 96, 96, 64, 256, 256];

/** Named first-layer presets for the paper's Fig. 6 comparison. */
export const CONV1_PRESETS: Record<string, ConvSpec> = {
  zf: { kernel: 5, stride: 1 },
  zf7: { kernel: 7, stride: 2 },
  alex2: { kernel: 9, stride: 2 },
  alex4: { kernel: 11, stride: 4 },
};

/** Parse "7x7/2" (or "7/2") into {kernel: 7, stride: 2}; null when malformed. */
export function parseConvSpec(text: string): ConvSpec | null {
  const m = /^(\d+)(?:x(\d+))?\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const kernel = Number(m[1]);
  if (m[2] !== undefined && Number(m[2]) !== kernel) return null;
  const stride = Number(m[3]);
  if (kernel < 1 || stride < 1) return null;
  return { kernel, stride };
}

export function formatConvSpec(c: ConvSpec): string {
  return `${c.kernel}x${c.kernel}/${c.stride}`;
}

/**
 * pool1 and conv2 strides that keep conv1.stride * pool1 * conv2 = 4 (so that with pool2's 2 the
 * product before conv3 is 8). Strides that cannot reach 4 exactly (3, or > 4) get no compensation.
 */
export function compensatingStrides(conv1Stride: number): { pool1Stride: number; conv2Stride: number } {
  if (conv1Stride === 1) return { pool1Stride: 2, conv2Stride: 2 };
  if (conv1Stride === 2) return { pool1Stride: 2, conv2Stride: 1 };
  return { pool1Stride: 1, conv2Stride: 1 };
}

/** A full config from the few things a user chooses. */
export function zfNetConfig(opts: {
  inputShape: [number, number, number];
  classes: number;
  conv1?: ConvSpec;
  widths?: number[];
  dropout?: number;
  padding?: 'same' | 'valid';
}): ZfNetConfig {
  const conv1 = opts.conv1 ?? { kernel: 7, stride: 2 };
  const { pool1Stride, conv2Stride } = compensatingStrides(conv1.stride);
  const widths = (opts.widths ?? DEFAULT_WIDTHS) as ZfNetConfig['widths'];
  if (widths.length !== 7 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ConfigError(
      `--widths: expected 7 positive integers (conv1..conv5, fc6, fc7), found ${JSON.stringify(opts.widths)}`,
    );
  }
  return {
    inputShape: opts.inputShape,
    classes: opts.classes,
    conv1,
    pool1Stride,
    conv2: { kernel: 5, stride: conv2Stride },
    widths,
    dropout: opts.dropout ?? 0.5,
    padding: opts.padding ?? 'same',
  };
}

/** A configuration the builder refuses; the message names the layer and the sizes. */
export class ConfigError extends ZfError {
  constructor(message: string) {
    super('config', message);
  }
}

export interface PlannedLayer {
  name: string;
  kind: 'conv' | 'pool';
  kernel: number;
  stride: number;
  inSize: [number, number];
  outSize: [number, number];
  channels: number;
}

function outSize(n: number, k: number, s: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/**
 * The spatial plan of the feature layers, checked: a layer whose output would be empty (or whose
 * kernel is larger than its input under 'valid' padding) throws a ConfigError naming it.
 */
export function planLayers(cfg: ZfNetConfig): PlannedLayer[] {
  const [h0, w0] = cfg.inputShape;
  const [c1, c2, c3, c4, c5] = cfg.widths;
  const specs: Array<Omit<PlannedLayer, 'inSize' | 'outSize'>> = [
    { name: 'conv1', kind: 'conv', kernel: cfg.conv1.kernel, stride: cfg.conv1.stride, channels: c1 },
    { name: 'pool1', kind: 'pool', kernel: 3, stride: cfg.pool1Stride, channels: c1 },
    { name: 'conv2', kind: 'conv', kernel: cfg.conv2.kernel, stride: cfg.conv2.stride, channels: c2 },
    { name: 'pool2', kind: 'pool', kernel: 3, stride: 2, channels: c2 },
    { name: 'conv3', kind: 'conv', kernel: 3, stride: 1, channels: c3 },
    { name: 'conv4', kind: 'conv', kernel: 3, stride: 1, channels: c4 },
    { name: 'conv5', kind: 'conv', kernel: 3, stride: 1, channels: c5 },
    { name: 'pool5', kind: 'pool', kernel: 3, stride: 2, channels: c5 },
  ];
  let size: [number, number] = [h0, w0];
  return specs.map((s) => {
    const out: [number, number] = [
      outSize(size[0], s.kernel, s.stride, cfg.padding),
      outSize(size[1], s.kernel, s.stride, cfg.padding),
    ];
    if (out[0] < 1 || out[1] < 1) {
      throw new ConfigError(
        `${s.name} (${s.kernel}x${s.kernel}/${s.stride}, ${cfg.padding} padding) would have an empty output: ` +
          `its input is ${size[0]}x${size[1]}, giving ${Math.max(out[0], 0)}x${Math.max(out[1], 0)}. ` +
          `Use a smaller kernel or stride for the layers below, 'same' padding, or larger images.`,
      );
    }
    const layer = { ...s, inSize: size, outSize: out };
    size = out;
    return layer;
  });
}
