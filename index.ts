/**
 * zfscope as a library: monitor your own tfjs model, or embed the server or the engine.
 *
 *   import { monitor } from 'zfscope';
 *   await model.fit(xs, ys, { epochs: 10, callbacks: monitor(model, { server, token, probe: { inputs } }) });
 */
export { monitor, type MonitorOptions, type MonitorCallbacks } from './training/monitor.js';
export { startServer, type ServerOptions } from './server/index.js';
export { takeSnapshot } from './training/viz/snapshot.js';
export { PROJECTION_METHODS } from './training/viz/methods/index.js';
export { buildZfNet, summarizeModel } from './training/model/zfnet.js';
export { zfNetConfig, CONV1_PRESETS } from './training/model/config.js';
export { initBackend } from './training/backend/index.js';
export { DATASETS, loadDataset, splitDataset } from './datasets/index.js';
export type * from './server/protocol.js';
