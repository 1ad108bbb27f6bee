/** The trainer's side of reporting: see types.ts for the Reporter interface. */
export type { BlobData, Reporter, ReportEvent, SeqOptions } from './types.js';
export type { QueuedFrame } from './spill-queue.js';
export { ReporterError } from './types.js';
export { MemoryReporter } from './memory.js';
export { StoreReporter } from './store-reporter.js';
export { WebSocketReporter, ingestUrl } from './websocket.js';
export type { WebSocketReporterOptions } from './websocket.js';
