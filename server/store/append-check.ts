/**
 * Whether an event may be appended to a run as the next seq: the run must start with run-started,
 * seqs follow one another, and the files the event names arrive whole (their sizes, a snapshot's
 * index, the figure experiments' pictures). Pure: the store calls it before it queues anything.
 */
import { ZfError } from '../errors.js';
import { pictureFilesError } from '../guards-experiments.js';
import { blobRefsOf } from '../guards.js';
import type { TrainerEvent } from '../protocol.js';
import { indexFileError } from './event-files.js';
import type { RunState } from './run-state.js';

/** The error that refuses `event` as seq `seq` of run `st` (not a duplicate), or null when it can be stored. */
export function appendRefusal(
  st: Pick<RunState, 'runId' | 'accepted'>,
  seq: number,
  event: TrainerEvent,
  data: readonly Uint8Array[],
): ZfError | null {
  if (st.accepted === 0 && event.type !== 'run-started')
    return new ZfError(
      'unknown-run',
      `run ${JSON.stringify(st.runId)} is unknown: its first event must be run-started, found ${event.type} (seq ${seq})`,
      { status: 404 },
    );
  if (seq !== st.accepted + 1)
    return new ZfError(
      'seq-gap',
      `event.seq: expected ${st.accepted + 1} (run ${st.runId} has 1..${st.accepted} stored), found ${seq}`,
    );
  const refs = blobRefsOf(event);
  const mismatch = refs.findIndex((r, i) => data[i]?.byteLength !== r.bytes);
  if (refs.length !== data.length || mismatch !== -1)
    return new ZfError(
      'bad-blob',
      `event(${event.type}) seq ${seq}: names ${refs.length} file(s) (${refs.map((r) => `${r.name} ${r.bytes} bytes`).join(', ')}), given ${data.length} (${data.map((d) => `${d.byteLength} bytes`).join(', ')})`,
    );
  const fileError = indexFileError(event, data) ?? pictureFilesError(event, data);
  return fileError ? new ZfError('bad-blob', fileError) : null;
}
