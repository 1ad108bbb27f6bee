/**
 * The zfscope wire protocol and the shapes of what is stored: the one place where trainer,
 * server and dashboard agree. Types only, plus PROTOCOL_VERSION and the constant lists and the
 * binary frame layout they go with; runtime guards for JSON that enters the server live in
 * `server/guards.ts`, the binary frame's builder and reader in `server/socket/blob-frame.ts`.
 *
 * Trainer  -> server (ws /ingest): `hello`, then `event` frames each with a run id and a seq; an
 *                                   event that names files (`blobs`) is followed at once by one
 *                                   binary frame per file (BLOB_FRAME), in the order it names them.
 * Server   -> trainer:              `welcome` (what the server already has, its limits), `ack`, `error`.
 * Dashboard-> server (ws /live):    `subscribe`, `unsubscribe`.
 * Server   -> dashboard:            `hello`, `runs`, `history`, `event`, `error`.
 * Images never travel in live frames to dashboards: they are referenced by URL (`/blobs/...`).
 */

/**
 * Bumped on any incompatible change; sent in the first frame of every connection. 2: files travel
 * as binary frames after the event that names them (1 sent them base64 inside the JSON).
 */
export const PROTOCOL_VERSION = 2;

// ---------------------------------------------------------------------------------------------
// Runs

export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped';

/** conv1's kernel and stride, e.g. {kernel: 7, stride: 2} for "7x7/2". */
export interface ConvSpec {
  kernel: number;
  stride: number;
}

/** What the trainer was asked to do (recorded in run.json, shown by the dashboard). */
export interface RunConfig {
  dataset: string;
  epochs: number;
  snapshotEpochs: number[];
  batchSize: number;
  learningRate: number;
  momentum: number;
  conv1: ConvSpec;
  /** conv1..conv5, fc6, fc7 */
  widths: number[];
  probeSize: number;
  methods: string[];
  /** The figure experiments run at each snapshot epoch (absent: none, as runs before they existed). */
  analyses?: ExperimentName[];
  /** Fixed probe images of the occlusion and invariance experiments. */
  analysisImages?: number;
  seed: number;
  preset?: string;
  /** Free-form extras (e.g. from `monitor()` on a user's model). */
  [key: string]: unknown;
}

export interface DatasetInfo {
  name: string;
  /** [height, width, channels] */
  shape: [number, number, number];
  classes: string[];
  trainCount: number;
  validationCount: number;
  probeCount: number;
  source: string;
}

export interface LayerSummary {
  name: string;
  kind: 'conv' | 'pool' | 'dense' | 'dropout' | 'flatten' | 'other';
  /** Output shape without the batch axis. */
  outputShape: number[];
  params: number;
  kernel?: number;
  stride?: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  params: number;
}

/** run.json, and the entries of GET /api/runs. */
export interface RunInfo {
  runId: string;
  status: RunStatus;
  config: RunConfig;
  dataset: DatasetInfo;
  model: ModelSummary;
  /** Tensor backend the trainer used: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  backend: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
  /** Highest stored sequence number. */
  lastSeq: number;
  /** Server-side: is a trainer connected for this run right now? */
  trainerOnline?: boolean;
  /** Epochs with a stored snapshot, ascending. */
  snapshotEpochs?: number[];
  /** Last epoch-level metrics, for the run list. */
  lastMetrics?: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Snapshots (the engine's output; stored as runs/<id>/snapshots/<epoch>/<layer>.json)

/** Receptive field arithmetic of a layer: unit i covers input rows [i*jump+offset, ... + size - 1]. */
export interface ReceptiveField {
  size: number;
  jump: number;
  offset: number;
}

/** One of a feature map's top-9 activations over the probe set. */
export interface TopActivation {
  /** Activation value (post-ReLU). */
  value: number;
  /** Index into the run's probe set. */
  image: number;
  /** Class label of that image. */
  label: number;
  /** Position in the layer's output map. */
  y: number;
  x: number;
  /** The receptive field in input pixels, before clipping: [y0, x0, size]. */
  rf: [number, number, number];
  /** True when the receptive field crosses the image border (the tile is padded with grey). */
  clipped: boolean;
}

/** Per-filter health (activity, size, change since the last snapshot); change figures are null at the first snapshot. */
export interface FilterHealth {
  /** Share of probe positions where the map is > 0. */
  activeShare: number;
  maxActivation: number;
  meanActivation: number;
  /** Never active over the probe set. */
  dead: boolean;
  weightRms: number;
  /** ||W_now - W_prev|| / ||W_prev|| since the previous snapshot (grows with the norm: not a convergence measure). */
  weightChange: number | null;
  /** Share of the top-9 images not in the previous snapshot's top-9. */
  turnover: number | null;
  /** Half the distance between the unit-norm strongest projections at this and the previous snapshot, in [0, 1]. */
  projectionChange: number | null;
  /** 1 - cos between the filter and its previous self (0 for a pure rescale); not per epoch. */
  filterAngle?: number | null;
  /** 1 - correlation of the map's activations (every position of the diagnostic probe images) with the previous snapshot's. */
  responseChange?: number | null;
  /** Robust z-score of responseChange among the layer's maps at this snapshot. */
  jumpZ?: number | null;
  /** A sudden jump (rules.ts): 'new-source' when the strongest activation now comes from another image. */
  jump?: JumpReason | null;
  /** dead, weak or structureless (rules.ts), null when healthy. */
  state?: FilterState | null;
  /** conv1 only: spectral flatness of the filter (white noise is about 0.5). */
  flatness?: number | null;
  /** conv1 only: share of spectral energy the stride cannot represent. */
  aliasing?: number | null;
}

export type FilterState = 'dead' | 'weak' | 'structureless';
export type JumpReason = 'new-source' | 'same-source';

/** The thresholds a snapshot's flags were raised with (values and their reasons: training/viz/diagnostics/rules.ts). */
export interface DiagnosticRulesUsed {
  /** A layer has settled while its representation change (1 - CKA per epoch elapsed) stays below this. */
  settledChangePerEpoch: number;
  /** A jump needs a robust z-score (median / MAD over the layer at that snapshot) of at least this ... */
  jumpZ: number;
  /** ... and a response change (1 - correlation with its previous self) of at least this ... */
  jumpMinChange: number;
  /** ... and, once a feature has this many earlier changes, at least `jumpHistoryFactor` x their median. */
  jumpHistoryMin: number;
  jumpHistoryFactor: number;
  /** Weak: active on less than this share of probe positions ... */
  weakActiveShare: number;
  /** ... or a filter RMS under this fraction of its layer's median RMS. */
  weakRmsFraction: number;
  /** Structureless (conv1): spectral flatness at least this fraction of white noise's. */
  structurelessFlatness: number;
  /** Aliasing advice only where conv1's score is at least this fraction of white noise's. */
  aliasingAdviseRatio: number;
}

export interface FeatureMapSnapshot {
  /** Channel index in the layer. */
  index: number;
  /** Sorted by value, descending; fewer than 9 when fewer images activate the map. */
  top: TopActivation[];
  health: FilterHealth;
}

export interface LayerHealth {
  deadCount: number;
  deadShare: number;
  meanActiveShare: number;
  /** Mean relative weight change since the previous snapshot (null at the first). */
  meanWeightChange: number | null;
  /** Epoch of the snapshot the changes compare against (0: the initialization). */
  previousEpoch?: number | null;
  /** 1 - linear CKA of the layer's activations against the previous snapshot, per epoch elapsed. */
  representationChange?: number | null;
  /** Median filter angle (1 - cos) per epoch elapsed. */
  medianFilterAngle?: number | null;
  /** Median projection change (not per epoch: a picture changes or not). */
  medianProjectionChange?: number | null;
  medianResponseChange?: number | null;
  jumpCount?: number;
  /** Maps per filter state. */
  states?: Record<FilterState, number>;
  /** conv1 only: the energy-weighted aliasing share over its filters. */
  aliasing?: number | null;
  /** conv1 only: white noise's aliasing share for the same kernel and stride (same code). */
  aliasingNoise?: number;
  /** conv1 only: its stride; at 1 nothing aliases and highFrequency is shown instead. */
  stride?: number;
  /** conv1 only: share of energy above 1/4 cycles/pixel, and white noise's. */
  highFrequency?: number | null;
  highFrequencyNoise?: number;
  /** conv1 only: white noise's spectral flatness for its kernel shape. */
  flatnessNoise?: number;
  rules?: DiagnosticRulesUsed;
}

/** How one layer's representation moved between snapshots (the `diagnostics` event). */
export interface LayerConvergence {
  kind: 'conv' | 'dense';
  /** Linear CKA against the previous snapshot (the initialization for the first). */
  cka: number | null;
  /** (1 - cka) / epochs elapsed. */
  change: number | null;
  /** CKA of each earlier snapshot epoch's representation (0: initialization) with this one. */
  ckaTo: Record<string, number | null>;
}

/**
 * The JSON index of one layer at one epoch. Atlases are PNG grids: the tile of (map m, rank r)
 * is at x = r * atlas.tile, y = m * atlas.tile, size atlas.tile x atlas.tile, in every atlas of
 * the layer (patches and each projection method), so one index serves them all.
 */
export interface LayerSnapshot {
  epoch: number;
  layer: string;
  /** 0-based position among the conv layers. */
  layerIndex: number;
  /** Output shape [h, w, channels]. */
  shape: [number, number, number];
  rf: ReceptiveField;
  atlas: { tile: number; cols: number; rows: number };
  methods: string[];
  maps: FeatureMapSnapshot[];
  health: LayerHealth;
  /** File names, relative to the snapshot's epoch folder. */
  files: {
    patches: string;
    projections: Record<string, string>;
    /** conv1 only: the filters themselves, one tile per map in a single row-major grid of `weightsGrid.cols` columns. */
    weights?: string;
  };
  weightsGrid?: { tile: number; cols: number; rows: number };
  /** Seconds the engine spent on this layer per method. */
  timings?: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// The paper's figure experiments at a snapshot epoch (the `experiments` event) and on demand
// (the analyses occlusion, invariance, correspondence: the same data, pictures as PNG files).

/** A probe image an experiment ran on: its index in the probe set, its true class, its picture's name. */
export interface ExperimentImage {
  image: number;
  class: number;
  picture: string;
}

/** Occlusion sensitivity (ZF Fig. 7): maps indexed [row][column] of occluder positions (their centres in `centres`). */
export interface OcclusionData {
  layer: string;
  size: number;
  stride: number;
  centres: { y: number[]; x: number[] };
  images: Array<
    ExperimentImage & {
      /** The feature map summed: by default the one with the strongest unit on the clean image. */
      feature: number;
      clean: { probability: number; activation: number; label: number };
      probability: number[][];
      activation: number[][];
      label: number[][];
      /** That map's strongest unit on the clean image, and its receptive field in input pixels (clipped). */
      unit: { y: number; x: number; value: number };
      marker: { top: number; left: number; height: number; width: number };
      /** Picture name of the unit's deconvnet projection. */
      projection: string;
    }
  >;
}

/** One transform's invariance curves: its values and, per image (in `images` order), distances and probability. */
export interface InvarianceCurvesData {
  values: number[];
  images: Array<{ conv1: number[]; fc7: number[]; probability: number[] }>;
}

/** Invariance (ZF Fig. 5): feature distances to the untransformed image at layer 1 and fc7, and p(true class). */
export interface InvarianceData {
  /** The model layers behind "conv1" (the first block's pooled output) and "fc7". */
  layers: { conv1: string; fc7: string };
  images: Array<ExperimentImage & { clean: number }>;
  shift: InvarianceCurvesData;
  scale: InvarianceCurvesData;
  rotation: InvarianceCurvesData;
}

/** Δ of one masked region at conv5 and fc7 (normalized sign Hamming distance, averaged over image pairs). */
export interface RegionDeltaData {
  delta: { conv5: number; fc7: number };
  /** Fixed regions: the standard deviation over image pairs; random: over draws. */
  spread: { conv5: number; fc7: number };
}

/** Correspondence (ZF Fig. 8, Table 1): the same region masked in images of one class against random regions. */
export interface CorrespondenceData {
  layers: { conv5: string; fc7: string };
  class: number;
  images: ExperimentImage[];
  size: number;
  regions: Record<string, RegionDeltaData & { box: { top: number; left: number; size: number } }>;
  random: RegionDeltaData & { draws: number; seed: number };
}

/** The experiments' names, as in the trainer's --analyses and the analyses registry. */
export const EXPERIMENT_NAMES = ['occlusion', 'invariance', 'correspondence'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

/**
 * The file a picture of the `experiments` event travels and is stored as: picture "image-0" is
 * `experiments.image-0.png` (a PNG, gray or RGB) in runs/<run>/snapshots/<epoch>/.
 */
export const EXPERIMENT_PICTURE_FILE = { prefix: 'experiments.', suffix: '.png' } as const;

/**
 * Most fixed probe images of the occlusion and invariance experiments (RunConfig.analysisImages):
 * each makes two pictures (the image and its projection), correspondence adds at most four more, and
 * one event carries at most 64 files.
 */
export const MAX_ANALYSIS_IMAGES = 30;

/**
 * A file that travels with an event: named in the event's JSON, its bytes in the binary frame that
 * follows (BLOB_FRAME). The server checks the size and the digest before it stores anything.
 */
export interface BlobRef {
  /** File name, e.g. "conv2.deconvnet.png"; [A-Za-z0-9._-] only. */
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256: string;
}

/**
 * The binary frame that carries one file of an event: a fixed header, then the file's bytes.
 *
 *   bytes 0..3   magic "ZFB2"
 *   bytes 4..11  the event's seq, unsigned 64-bit big-endian
 *   bytes 12..13 the file's index in the event's `blobs`, unsigned 16-bit big-endian
 *   bytes 14..   the file's bytes (BlobRef.bytes of them)
 */
export const BLOB_FRAME = { magic: 'ZFB2', seqOffset: 4, indexOffset: 12, headerBytes: 14 } as const;

/** Files a `checkpoint` event may carry (the layout of runs/<run>/checkpoints/<epoch>/). */
export const CHECKPOINT_FILES = ['meta.json', 'weights.bin', 'model.json'] as const;
/** Files a `probe` event may carry (the layout of runs/<run>/probe/). */
export const PROBE_FILES = ['probe.json', 'inputs.bin', 'images.bin', 'mean.bin'] as const;

// ---------------------------------------------------------------------------------------------
// Events (what trainers send; stored in events.jsonl)

export type TrainerEvent =
  | {
      type: 'run-started';
      config: RunConfig;
      dataset: DatasetInfo;
      model: ModelSummary;
      backend: string;
      startedAt: string;
      /**
       * A resumed run: the seq of the last stored event its checkpoint covers. Events stored after
       * it and before this one came from an attempt that died past its checkpoint (a half epoch's
       * metrics): every view drops them, and the resumed trainer redoes that work.
       */
      resumeSeq?: number;
    }
  | {
      type: 'metrics';
      epoch: number;
      /** Present for per-batch metrics; absent for the end-of-epoch ones. */
      batch?: number;
      /** e.g. loss, acc, val_loss, val_acc, img_per_s, lr */
      values: Record<string, number>;
    }
  | {
      type: 'snapshot';
      epoch: number;
      layer: string;
      /** The projection methods of the layer's atlases (as in its index). */
      methods: string[];
      /**
       * The layer's index, `<layer>.json` (a LayerSnapshot: it grows with the layer's width, so it
       * travels as a file, not in the JSON frame), and its atlases (PNG), all stored in
       * runs/<run>/snapshots/<epoch>/.
       */
      blobs: BlobRef[];
      /**
       * Every layer of this epoch's snapshot, sent as consecutive events: the epoch is shown once all
       * are stored, and never when another event comes first (a killed trainer). Absent: this event
       * stands alone.
       */
      epochLayers?: string[];
    }
  | {
      /** Sent after a snapshot epoch's layers: how each layer's representation moved (convergence). */
      type: 'diagnostics';
      epoch: number;
      /** The snapshot compared against (0: the initialization). */
      previousEpoch: number;
      measure: 'linear-cka';
      /** Probe images the representations are computed on. */
      images: number;
      layers: Record<string, LayerConvergence>;
      settledChangePerEpoch: number;
    }
  | {
      /**
       * Sent after a snapshot epoch's diagnostics: the paper's figure experiments on a few fixed
       * probe images (only those the trainer's --analyses asks for).
       */
      type: 'experiments';
      epoch: number;
      occlusion?: OcclusionData;
      invariance?: InvarianceData;
      correspondence?: CorrespondenceData;
      /**
       * The pictures the data names (probe images, projections) as PNG files, picture "image-0" as
       * `experiments.image-0.png` (EXPERIMENT_PICTURE_FILE), stored in runs/<run>/snapshots/<epoch>/.
       */
      blobs: BlobRef[];
      /** Seconds each experiment took. */
      seconds: Partial<Record<ExperimentName, number>>;
    }
  | {
      /**
       * The weights of a snapshot epoch, for analyses on the server: stored as
       * runs/<run>/checkpoints/<epoch>/<name> (meta.json last, so a folder with it is complete).
       * A file already there with the same bytes is left alone (a trainer sharing the logdir).
       */
      type: 'checkpoint';
      epoch: number;
      /** meta.json and weights.bin (CheckpointMeta's layout), and model.json for a user's own model. */
      blobs: BlobRef[];
    }
  | {
      /** The run's probe set as model inputs, for analyses on the server: runs/<run>/probe/<name> (probe.json last). */
      type: 'probe';
      /** probe.json and inputs.bin; images.bin (raw pixels) and mean.bin when the preprocessing is known. */
      blobs: BlobRef[];
    }
  | { type: 'run-ended'; status: Exclude<RunStatus, 'running'>; error?: string; endedAt: string };

export type TrainerEventType = TrainerEvent['type'];

/** Every trainer event type, once (checked at the edge and by REST's ?type=); in sync with the union by construction. */
export const TRAINER_EVENT_TYPES = [
  'run-started',
  'metrics',
  'snapshot',
  'diagnostics',
  'experiments',
  'checkpoint',
  'probe',
  'run-ended',
] as const satisfies readonly TrainerEventType[];
// Compile-time check the other way: every member of the union is listed.
const _allListed: Exclude<TrainerEventType, (typeof TRAINER_EVENT_TYPES)[number]> extends never ? true : never = true;
void _allListed;

/**
 * What the server stores and sends to dashboards: the trainer's event with its seq, and for
 * snapshots and experiments the blobs replaced by URLs.
 */
export type StoredEvent =
  | (Extract<
      TrainerEvent,
      { type: 'run-started' | 'metrics' | 'diagnostics' | 'checkpoint' | 'probe' | 'run-ended' }
    > & {
      seq: number;
    })
  | (Omit<Extract<TrainerEvent, { type: 'experiments' }>, 'blobs'> & {
      seq: number;
      /** Picture name (as the data names it) -> URL of its PNG under /blobs/. */
      pictures: Record<string, string>;
    })
  | {
      type: 'snapshot';
      seq: number;
      epoch: number;
      layer: string;
      methods: string[];
      /** REST URL of the LayerSnapshot JSON. */
      indexUrl: string;
      /** File name -> URL under /blobs/. */
      blobs: Record<string, string>;
      /** As in the trainer's event: every layer of this epoch's snapshot. */
      epochLayers?: string[];
    };

// ---------------------------------------------------------------------------------------------
// Frames

export type TrainerToServer =
  | { type: 'hello'; protocolVersion: number; runId: string; token: string }
  | { type: 'event'; runId: string; seq: number; event: TrainerEvent };

export type ServerToTrainer =
  | { type: 'welcome'; protocolVersion: number; runId: string; lastSeq: number; limits: IngestLimits }
  | { type: 'ack'; runId: string; seq: number }
  | { type: 'error'; code: ErrorCode; message: string };

/** What a server accepts on /ingest (in its welcome, so a trainer can keep within them). */
export interface IngestLimits {
  /** Largest text (JSON) frame. */
  maxFrameBytes: number;
  /** Largest file of an event (one binary frame carries it, header aside). */
  maxBlobBytes: number;
  /** Most files one event may name. */
  maxBlobs: number;
  /** Most bytes the files of one event may hold together (the server holds them until the last arrives). */
  maxEventBytes: number;
}

export type DashboardToServer =
  | { type: 'subscribe'; runId: string; afterSeq?: number }
  | { type: 'unsubscribe'; runId: string };

export type ServerToDashboard =
  | { type: 'hello'; protocolVersion: number; runs: RunInfo[] }
  | { type: 'runs'; runs: RunInfo[] }
  | { type: 'history'; runId: string; events: StoredEvent[] }
  | { type: 'event'; runId: string; event: StoredEvent }
  | { type: 'error'; code: ErrorCode; message: string };

/** The codes an `error` frame can carry. */
export const ERROR_CODES = [
  'bad-json',
  'bad-frame',
  'unknown-type',
  'protocol-version',
  'unauthorized',
  'not-hello',
  'seq-gap',
  'unknown-run',
  'too-large',
  'rate-limited',
  'bad-blob',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ---------------------------------------------------------------------------------------------
// REST answers (server/API.md lists the routes)

/** GET /api/health */
export interface HealthResponse {
  ok: true;
  protocolVersion: number;
}

/** GET /api/runs/:runId/status: the run's liveness, without its configuration. */
export type RunStatusResponse = Pick<RunInfo, 'runId' | 'status' | 'trainerOnline' | 'lastSeq' | 'endedAt' | 'error'>;

/** GET /api/runs/:runId/snapshots: the complete snapshot epochs, ascending, with their layers. */
export type SnapshotListResponse = { epoch: number; layers: string[] }[];

/** GET /api/runs/:runId/snapshots/:epoch/:layer/export?format=json */
export interface SnapshotExportResponse {
  runId: string;
  epoch: number;
  layer: string;
  snapshot: LayerSnapshot;
  /** URLs of the patches atlas and of each method's projections atlas. */
  images: string[];
}

/** A stored snapshot as a dashboard holds it: the stored event without its type and epoch list. */
export type SnapshotRef = Omit<Extract<StoredEvent, { type: 'snapshot' }>, 'type' | 'epochLayers' | 'seq'> & {
  /** Seq of its event (a resumed run may drop events after a seq). */
  seq?: number;
};

// ---------------------------------------------------------------------------------------------
// REST errors (added compatibly by the server: the body of every non-2xx JSON answer)

/** The code of a REST error body: an ErrorCode, an AnalysisErrorCode, or one of the REST-only failures. */
export type ApiErrorCode = ErrorCode | 'not-found' | 'bad-request' | 'forbidden' | AnalysisErrorCode;

/** `code` is an ErrorCode, or 'not-found' / 'bad-request' / 'forbidden' (Origin or Host refused) for REST-only failures. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

// ---------------------------------------------------------------------------------------------
// Analyses on stored checkpoints (REST, server/API.md "Analyses"; added compatibly)

/** Why an analysis request was refused (the `code` of its REST error body). */
export type AnalysisErrorCode =
  | 'unknown-analysis'
  | 'bad-param'
  | 'unknown-run'
  | 'no-checkpoints'
  | 'unknown-epoch'
  | 'unknown-layer'
  | 'unknown-feature'
  | 'unknown-class'
  | 'unknown-image'
  | 'unsupported'
  | 'analysis-failed';

/** POST /api/runs/:runId/analyses */
export interface AnalysisRequestBody {
  analysis: string;
  epoch: number;
  params?: Record<string, number | string | boolean>;
}

/**
 * One question and where it stands: queued, running (with progress), done (with the result, whose
 * image references are URLs), or failed. `id` is "<epoch>/<key>" (GET /api/runs/:runId/analyses/:id).
 */
export interface AnalysisView {
  id: string;
  analysis: string;
  run: string;
  epoch: number;
  params: Record<string, number | string | boolean>;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: { done: number; total: number; note?: string };
  /** Requests ahead of this one in the queue (0 when running). */
  position?: number;
  result?: Record<string, unknown>;
  /** Seconds the computation took (done only). */
  seconds?: number;
  error?: { code: AnalysisErrorCode; message: string };
}
