/** The logdir persistence: see store.ts and server/API.md. */
export { Store } from './store.js';
export type { EventListener } from './store.js';
export type { StoreReader } from './reader.js';
export { writeAtomic, runPaths } from './files.js';
export { applyEvent, toStoredEvent } from './run-info.js';
