/**
 * The shape every analysis shares (one analysis a file, listed in index.ts, like the projection
 * methods): declared parameters with defaults and bounds, a cheap `check` of a request against what
 * run.json already says about the model (so a bad request is refused before any tensor is made),
 * and `run`, which asks the frozen network its question and returns images and numbers.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AnalysisErrorCode, LayerSummary } from '../../server/protocol.js';
import type { ImageSet } from '../../datasets/types.js';
import type { Preprocess } from '../data.js';
import { ZfError } from '../../server/errors.js';

/** A parameter value as it travels in JSON, on the command line and in the store's key. */
export type ParamValue = number | string | boolean;
export type AnalysisParams = Record<string, ParamValue>;

/** One declared parameter: its kind, default and bounds (checked by resolveParams). */
export type ParamSpec =
  | { name: string; kind: 'int' | 'number'; default: number | null; min: number; max: number; help: string }
  | { name: string; kind: 'boolean'; default: boolean; help: string }
  | { name: string; kind: 'choice'; default: string | null; choices: readonly string[]; help: string }
  | { name: string; kind: 'string'; default: string | null; help: string };

/** What an analysis may assume about the network, from run.json (no tensors). */
export interface AnalysisTarget {
  /** The model's layers (name, kind, output shape). */
  layers: LayerSummary[];
  /** Number of classes of the output layer. */
  classes: number;
  /** Images in the run's probe set. */
  probeCount: number;
  /** [height, width, channels] */
  inputShape: [number, number, number];
}

/** Everything `run` gets: the network at one epoch (weights frozen), the probe set, and a progress sink. */
export interface AnalysisContext extends AnalysisTarget {
  model: tf.LayersModel;
  /** How raw uint8 images become model inputs; gives the valid input range and the display of reconstructions. */
  preprocess?: Preprocess;
  /** The probe set: raw images (for display) and their model inputs. */
  probe?: { images: ImageSet; input: (index: number) => tf.Tensor4D };
  /** `done` of `total` work units; `note` is a short phrase (e.g. the layer being inverted). */
  onProgress?: (done: number, total: number, note?: string) => void;
}

/** A result: named PNGs and JSON numbers; `data` may name the PNGs by their keys in `images`. */
export interface AnalysisResult {
  images: Record<string, Uint8Array>;
  data: Record<string, unknown>;
  /** The raw arrays behind the images (for programmatic callers and tests; the store keeps only the PNGs). */
  arrays?: Record<string, Float32Array>;
}

export interface Analysis {
  name: string;
  /** Bumped when the algorithm changes what it answers: stored answers of older versions are not served. */
  version: number;
  description: string;
  params: ParamSpec[];
  /** Throws an AnalysisError naming the parameter when the request does not fit the network. */
  check(target: AnalysisTarget, params: AnalysisParams): void;
  run(ctx: AnalysisContext, params: AnalysisParams): Promise<AnalysisResult>;
}

/** A request that cannot be served; `code` is machine-readable, `status` its HTTP status. */
export class AnalysisError extends ZfError {
  declare readonly code: AnalysisErrorCode;
  constructor(code: AnalysisErrorCode, message: string, status = 400) {
    super(code, message, { status });
  }
}
