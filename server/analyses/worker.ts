/**
 * The analysis worker thread: its own tfjs (the backend it is given), one request at a time from
 * the server's AnalysisService, progress posted as it goes, the result written to the run's store
 * by the same code as `zfscope analyze`. Probe sets are kept between requests of the same run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../../training/backend/index.js';
import { runChecked, type CheckedRequest } from '../../training/analyses/runner.js';
import type { ProbeData } from '../../training/analyses/run-files.js';
import { AnalysisError } from '../../training/analyses/types.js';
import { messageOf } from '../errors.js';
import type { StoredAnalysis } from '../../training/analyses/store.js';
import type { AnalysisErrorCode } from '../protocol.js';

export interface AnalysisWorkerInit {
  zfscopeAnalysisWorker: true;
  backend: BackendChoice;
  logdir: string;
}

export type AnalysisWorkerRequest = { kind: 'run'; id: string; req: CheckedRequest };

export type AnalysisWorkerReply =
  | { kind: 'progress'; id: string; done: number; total: number; note?: string }
  | { kind: 'done'; id: string; stored: StoredAnalysis }
  | { kind: 'error'; id: string; code: AnalysisErrorCode; message: string };

const init = workerData as AnalysisWorkerInit | undefined;
if (parentPort && init?.zfscopeAnalysisWorker) {
  const port = parentPort;
  tf.env().set('PROD', true);
  const ready = initBackend(init.backend);
  const probes = new Map<string, Promise<ProbeData | Omit<ProbeData, 'preprocess'>>>();
  let chain = Promise.resolve();
  port.on('message', (m: AnalysisWorkerRequest) => {
    chain = chain.then(async () => {
      try {
        await ready;
        let last = 0;
        const { stored } = await runChecked(init.logdir, m.req, {
          probes,
          onProgress: (done, total, note) => {
            // At most ~20 messages a second: the main thread relays them to pollers.
            const now = Date.now();
            if (now - last < 50 && done < total) return;
            last = now;
            port.postMessage({
              kind: 'progress',
              id: m.id,
              done,
              total,
              ...(note ? { note } : {}),
            } satisfies AnalysisWorkerReply);
          },
        });
        port.postMessage({ kind: 'done', id: m.id, stored } satisfies AnalysisWorkerReply);
      } catch (err) {
        const code: AnalysisErrorCode = err instanceof AnalysisError ? err.code : 'analysis-failed';
        port.postMessage({
          kind: 'error',
          id: m.id,
          code,
          message: messageOf(err),
        } satisfies AnalysisWorkerReply);
      }
    });
  });
}
