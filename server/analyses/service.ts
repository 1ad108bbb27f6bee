/**
 * Analyses on demand for the server: requests are checked on the main thread against run.json (a
 * bad one is refused at once, naming what is wrong), answered from the run's store when asked
 * before, and otherwise queued for one worker thread, so the event loop never runs a tensor. A
 * request identical to a queued or running one joins it. Results live in the run's folder, so a
 * restarted server serves them again; what was queued when it stopped is asked again by the client.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalysisView } from '../protocol.js';
import type { BackendChoice } from '../../training/backend/index.js';
import { analysisKey } from '../../training/analyses/params.js';
import { checkRequest, type AnalysisRequest, type CheckedRequest } from '../../training/analyses/runner.js';
import { analysisDir, mapNames, readStored, type StoredAnalysis } from '../../training/analyses/store.js';
import type { AnalysisWorkerReply, AnalysisWorkerRequest } from './worker.js';

interface Job {
  view: AnalysisView;
  req: CheckedRequest;
}

export interface AnalysisServiceOptions {
  logdir: string;
  /** The worker's tensor backend (default auto: tfjs-node, else wasm, else cpu). */
  backend?: BackendChoice;
  log?: (line: string) => void;
}

/** URL of a stored result's file. */
export function analysisFileUrl(run: string, epoch: number, key: string, file: string): string {
  return `/api/runs/${encodeURIComponent(run)}/analyses/${epoch}/${encodeURIComponent(key)}/${encodeURIComponent(file)}`;
}

/** The done view of a stored result, its files as URLs. */
export function doneView(s: StoredAnalysis): AnalysisView {
  const urls = new Map(s.files.map((f) => [f, analysisFileUrl(s.run, s.epoch, s.key, f)]));
  return {
    id: `${s.epoch}/${s.key}`,
    analysis: s.analysis,
    run: s.run,
    epoch: s.epoch,
    params: s.params,
    status: 'done',
    progress: { done: 1, total: 1 },
    result: mapNames(s.result, urls) as Record<string, unknown>,
    seconds: s.seconds,
  };
}

export class AnalysisService {
  /** run/epoch/key -> queued, running or failed jobs (done ones are served from the store). */
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running?: Job;
  private worker?: Worker;
  private closed = false;

  constructor(private readonly o: AnalysisServiceOptions) {}

  /** Checks a request and answers it: from the store (done), by joining an equal job, or by queueing one. */
  async request(
    runId: string,
    body: { analysis: string; epoch: number; params?: Record<string, unknown> },
  ): Promise<AnalysisView> {
    const req = await checkRequest(this.o.logdir, {
      run: runId,
      epoch: body.epoch,
      analysis: body.analysis,
      ...(body.params ? { params: body.params } : {}),
    } satisfies AnalysisRequest);
    const key = analysisKey(req.analysis, req.params);
    const id = `${runId}/${req.epoch}/${key}`;
    const stored = await readStored(this.o.logdir, runId, req.epoch, req.analysis, req.params);
    if (stored) return doneView(stored);
    // Looked up only now, after the last await: two equal requests arriving together find one job.
    const existing = this.jobs.get(id);
    if (existing && existing.view.status !== 'failed') return this.withPosition(existing);
    const job: Job = {
      req,
      view: {
        id: `${req.epoch}/${key}`,
        analysis: req.analysis,
        run: runId,
        epoch: req.epoch,
        params: req.params,
        status: 'queued',
        progress: { done: 0, total: 1 },
      },
    };
    this.jobs.set(id, job);
    this.queue.push(job);
    this.pump();
    return this.withPosition(job);
  }

  /** Where the question `<epoch>/<key>` of a run stands, or undefined when it was never asked. */
  async status(runId: string, epoch: number, key: string): Promise<AnalysisView | undefined> {
    const job = this.jobs.get(`${runId}/${epoch}/${key}`);
    if (job) return this.withPosition(job);
    // The key hashes the params, so a stored result is found by its folder alone.
    const text = await readFile(join(analysisDir(this.o.logdir, runId, epoch, key), 'result.json'), 'utf8').catch(
      () => undefined,
    );
    return text ? doneView(JSON.parse(text) as StoredAnalysis) : undefined;
  }

  private withPosition(job: Job): AnalysisView {
    const i = this.queue.indexOf(job);
    return {
      ...job.view,
      progress: { ...job.view.progress },
      ...(i >= 0 ? { position: i + (this.running ? 1 : 0) } : job.view.status === 'running' ? { position: 0 } : {}),
    };
  }

  private startWorker(): Worker {
    const data = { zfscopeAnalysisWorker: true, backend: this.o.backend ?? 'auto', logdir: this.o.logdir };
    const self = import.meta.url;
    let w: Worker;
    if (self.endsWith('.ts')) {
      const file = new URL('./worker.ts', self).href;
      w = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`, {
        eval: true,
        workerData: data,
      });
    } else w = new Worker(new URL('./worker.js', self), { workerData: data });
    w.on('message', (m: AnalysisWorkerReply) => this.onReply(m));
    w.on('error', (err) => this.o.log?.(`analysis worker: ${err.message}`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      if (this.running && !this.closed)
        this.fail(
          this.running,
          'analysis-failed',
          `the analysis worker stopped (exit code ${code}) while computing this`,
        );
    });
    w.unref();
    return w;
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    job.view.status = 'running';
    this.worker ??= this.startWorker();
    this.worker.ref();
    this.worker.postMessage({ kind: 'run', id: this.idOf(job), req: job.req } satisfies AnalysisWorkerRequest);
  }

  private idOf(job: Job): string {
    return `${job.view.run}/${job.view.id}`;
  }

  private onReply(m: AnalysisWorkerReply): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.kind === 'progress') {
      job.view.progress = { done: m.done, total: m.total, ...(m.note ? { note: m.note } : {}) };
      return;
    }
    if (m.kind === 'done') {
      // From now on the store answers; the map only holds what is not stored.
      this.jobs.delete(m.id);
      Object.assign(job.view, doneView(m.stored));
      this.finish(job);
    } else this.fail(job, m.code, m.message);
  }

  private fail(job: Job, code: NonNullable<AnalysisView['error']>['code'], message: string): void {
    job.view.status = 'failed';
    job.view.error = { code, message };
    this.o.log?.(`analysis ${job.view.analysis} on ${job.view.run} at epoch ${job.view.epoch} failed: ${message}`);
    this.finish(job);
  }

  private finish(job: Job): void {
    if (this.running !== job) return;
    this.running = undefined;
    this.worker?.unref();
    this.pump();
  }

  /** Stops the worker; queued requests are dropped (their clients ask again after a restart). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
