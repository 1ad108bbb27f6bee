/**
 * An epoch's results, reported after its checkpoint and so a function of it alone: redone from
 * that checkpoint after a kill, they come from the same model, and what was already stored is not
 * sent again. At a snapshot epoch: the snapshot, its diagnostics, the figure experiments, the
 * epoch's own checkpoint and (to a remote server) its upload.
 */
import { join } from 'node:path';
import { saveCheckpoint } from './checkpoint.js';
import type { KeptResults } from './resume.js';
import type { RunContext } from './run-context.js';
import { checkpointUpload, sendUpload } from './uploads.js';
import { diagnoseSnapshot } from './viz/diagnostics/diagnose.js';
import { createSnapshotter } from './viz/snapshotter.js';

const NOTHING_KEPT: KeptResults = { metrics: false, snapshot: false, diagnostics: false, count: 0 };

/** Reports epoch `epoch`'s metrics and, at a snapshot epoch, everything the snapshot shows. */
export async function finishEpoch(
  run: RunContext,
  epoch: number,
  values: Record<string, number>,
  kept: KeptResults = NOTHING_KEPT,
): Promise<void> {
  if (!kept.metrics) await run.send({ type: 'metrics', epoch, values });
  if (run.options.config.snapshotEpochs.includes(epoch)) await snapshotEpoch(run, epoch, values, kept);
}

async function snapshotEpoch(run: RunContext, epoch: number, values: Record<string, number>, kept: KeptResults) {
  const { config, split, threads } = run.options;
  const st = run.state;
  run.options.onProgress?.({
    epoch,
    epochs: config.epochs,
    batch: run.batches,
    batches: run.batches,
    loss: values.loss ?? 0,
    acc: values.acc ?? 0,
    imgPerS: values.img_per_s ?? 0,
    etaS: 0,
    phase: 'snapshot',
  });
  st.snapshotter ??= await createSnapshotter(run.model, {
    threads: threads ?? 'auto',
    ...(run.options.log ? { log: run.options.log } : {}),
  });
  // Taken even when stored: the next snapshot compares against its memory.
  const snap = await st.snapshotter.take({
    probe: split.probe,
    toInput: run.probeInput,
    epoch,
    methods: config.methods,
    ...(st.memory ? { previous: st.memory } : {}),
  });
  const diag = await diagnoseSnapshot({
    model: run.model,
    toInput: run.probeInput,
    probeCount: split.probe.count,
    epoch,
    layers: snap.layers.map((l) => l.index),
    previous: st.memory?.diagnostics ?? st.initial,
  });
  st.memory = { ...snap.memory, diagnostics: diag.memory };
  if (!kept.snapshot) {
    const epochLayers = snap.layers.map((l) => l.index.layer);
    for (const layer of snap.layers) {
      await run.send({
        type: 'snapshot',
        epoch,
        layer: layer.index.layer,
        index: layer.index,
        epochLayers,
        blobs: layer.files.map((f) => ({ name: f.name, data: f.data })),
      });
    }
  }
  // After the whole epoch's layers: how each layer's representation moved since the previous snapshot.
  if (!kept.diagnostics) await run.send(diag.event);
  // Also when the snapshot was kept on resume: an experiments event stored after the checkpoint's
  // seq is dropped from every view with the rest of the dead attempt, so it is sent again.
  const experiments = await st.snapshotter.experiments({
    probe: split.probe,
    toInput: run.probeInput,
    epoch,
    which: config.analyses ?? [],
    ...(config.analysisImages !== undefined ? { images: config.analysisImages } : {}),
    ...(run.options.log ? { log: run.options.log } : {}),
  });
  if (experiments) await run.send(experiments);
  st.lastSnapshot = epoch;
  const dir = join(run.options.checkpointDir, String(epoch));
  await saveCheckpoint(dir, run.model, run.step.optimizer, { epoch, batch: 0, learningRate: config.learningRate });
  // After the epoch's snapshot and diagnostics (a snapshot epoch's events stay together).
  if (run.options.uploadFiles)
    await sendUpload(run.options.reporter, () => checkpointUpload(dir, epoch), `checkpoint of epoch ${epoch}`, run.log);
}
