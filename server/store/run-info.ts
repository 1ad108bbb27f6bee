/**
 * How a run's summary (RunInfo) follows from its stored events: pure functions, so that run.json
 * can be rebuilt from events.jsonl when it is stale or missing after a crash.
 */
import { pictureOfFile } from '../guards-experiments.js';
import type { RunInfo, StoredEvent, TrainerEvent } from '../protocol.js';

/** The stored form of an event: the trainer's event with its seq, for snapshots and experiments the files named by URL. */
export function toStoredEvent(runId: string, seq: number, event: TrainerEvent): StoredEvent {
  // `type` first whatever the trainer's key order: readers filter stored lines by their prefix.
  if (event.type === 'experiments') {
    const { blobs: files, ...rest } = event;
    const pictures: Record<string, string> = {};
    for (const b of files) {
      const name = pictureOfFile(b.name);
      if (name !== undefined) pictures[name] = `/blobs/${runId}/${event.epoch}/${b.name}`;
    }
    return Object.assign({ type: event.type }, rest, { pictures, seq }) as StoredEvent;
  }
  if (event.type !== 'snapshot') return Object.assign({ type: event.type }, event, { seq }) as StoredEvent;
  const blobs: Record<string, string> = {};
  for (const b of event.blobs) {
    // The index is served by REST (indexUrl), the atlases from /blobs.
    if (b.name !== `${event.layer}.json`) blobs[b.name] = `/blobs/${runId}/${event.epoch}/${b.name}`;
  }
  return {
    type: 'snapshot',
    seq,
    epoch: event.epoch,
    layer: event.layer,
    methods: event.methods,
    indexUrl: `/api/runs/${runId}/snapshots/${event.epoch}/${event.layer}`,
    blobs,
    ...(event.epochLayers ? { epochLayers: event.epochLayers } : {}),
  };
}

/**
 * The run summary after one more stored event. `prev` is undefined for a new run (then the event
 * must be run-started). A second run-started (a resumed run) sets the run running again but keeps
 * the original start time.
 */
export function applyEvent(runId: string, prev: RunInfo | undefined, ev: StoredEvent): RunInfo {
  if (ev.type === 'run-started') {
    const info: RunInfo = {
      runId,
      status: 'running',
      config: ev.config,
      dataset: ev.dataset,
      model: ev.model,
      backend: ev.backend,
      startedAt: prev?.startedAt ?? ev.startedAt,
      lastSeq: ev.seq,
      snapshotEpochs: prev?.snapshotEpochs ?? [],
    };
    if (prev?.lastMetrics) info.lastMetrics = prev.lastMetrics;
    return info;
  }
  if (!prev) throw new Error(`run ${runId}: ${ev.type} event before run-started`);
  const info: RunInfo = { ...prev, lastSeq: ev.seq };
  switch (ev.type) {
    case 'metrics':
      // Only end-of-epoch metrics summarize a run; per-batch ones are too noisy for a run list.
      if (ev.batch === undefined) info.lastMetrics = { epoch: ev.epoch, ...ev.values };
      break;
    case 'snapshot': {
      const epochs = prev.snapshotEpochs ?? [];
      if (!epochs.includes(ev.epoch)) info.snapshotEpochs = [...epochs, ev.epoch].sort((a, b) => a - b);
      break;
    }
    case 'run-ended':
      info.status = ev.status;
      info.endedAt = ev.endedAt;
      if (ev.error !== undefined) info.error = ev.error;
      else delete info.error;
      break;
  }
  return info;
}
