/** <zf-run-list>: every run with its status (running, finished, failed, trainer offline), backend, dataset, conv1 and last metrics. */
import { css, html, LitElement } from 'lit';
import type { RunInfo } from '../../server/protocol.js';
import { navigateFrom } from '../events.js';
import type { ExportItem } from '../export/download.js';
import { toCsv } from '../export/table.js';
import { convLabel, duration, epochsDone, metricValue } from '../state/format.js';
import { runDisplayStatus } from '../state/reducer.js';
import { emptyState, loadingState } from '../render/states.js';
import { shared } from '../theme.js';

const STATUS_CLASS = { running: 'good', finished: 'done', failed: 'dead', stopped: 'warn', offline: 'warn' } as const;
const STATUS_TEXT = {
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  stopped: 'stopped',
  offline: 'trainer offline',
} as const;

export class ZfRunList extends LitElement {
  static override styles = [
    shared,
    css`
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover,
      tbody tr[aria-selected='true'] {
        background: var(--panel-2);
      }
      .done {
        background: var(--accent-soft);
        color: var(--accent);
      }
      .id {
        font-weight: 600;
      }
    `,
  ];

  static override properties = {
    runs: { attribute: false },
    loaded: { attribute: false },
    selected: { attribute: false },
  };
  declare runs: RunInfo[];
  declare loaded: boolean;
  declare selected: string | undefined;

  constructor() {
    super();
    this.runs = [];
    this.loaded = false;
  }

  /** Downloads: the table as CSV, one row per run. */
  exportItems(): ExportItem[] {
    const header = [
      'run',
      'status',
      'dataset',
      'conv1',
      'backend',
      'epoch',
      'epochs',
      'val_loss',
      'val_acc',
      'snapshots',
      'started',
      'ended',
    ];
    const rows = this.runs.map((r) => [
      r.runId,
      runDisplayStatus(r),
      r.dataset.name,
      convLabel(r.config.conv1),
      r.backend,
      r.lastMetrics?.epoch,
      r.config.epochs || null,
      r.lastMetrics?.val_loss,
      r.lastMetrics?.val_acc,
      r.snapshotEpochs?.length ?? 0,
      r.startedAt,
      r.endedAt,
    ]);
    return this.runs.length
      ? [
          {
            id: 'runs-csv',
            label: `the ${this.runs.length} runs (CSV)`,
            make: async () => ({
              blob: new Blob([toCsv(header, rows)], { type: 'text/csv' }),
              name: 'zfscope-runs.csv',
            }),
          },
        ]
      : [];
  }

  #open(runId: string): void {
    navigateFrom(this, { run: runId, view: 'curves' });
  }

  override render() {
    if (!this.loaded) return loadingState('runs');
    if (!this.runs.length)
      return emptyState('No runs yet.', 'Start a trainer (zfscope train --server URL) and it appears here live.');
    return html`<div class="panel"><table>
      <thead><tr><th>run</th><th>status</th><th>dataset</th><th>conv1</th><th>backend</th><th class="num">epoch</th>
        <th class="num">val loss</th><th class="num">val acc</th><th class="num">snapshots</th><th class="num">time</th></tr></thead>
      <tbody>
        ${this.runs.map((r) => {
          const status = runDisplayStatus(r);
          const m = r.lastMetrics ?? {};
          return html`<tr data-run=${r.runId} tabindex="0" aria-selected=${r.runId === this.selected ? 'true' : 'false'}
              @click=${() => this.#open(r.runId)} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.#open(r.runId)}>
            <td class="id">${r.runId}</td>
            <td><span class="badge ${STATUS_CLASS[status]}" data-status=${status} title=${r.error ?? ''}>${STATUS_TEXT[status]}</span></td>
            <td>${r.dataset.name}</td>
            <td>${convLabel(r.config.conv1)}</td>
            <td>${r.backend}</td>
            <td class="num" data-epochs>${epochsDone(m.epoch, r.config.epochs)}</td>
            <td class="num">${metricValue('val_loss', m.val_loss)}</td>
            <td class="num">${metricValue('val_acc', m.val_acc)}</td>
            <td class="num">${r.snapshotEpochs?.length ?? 0}</td>
            <td class="num">${duration(r.startedAt, r.endedAt)}</td>
          </tr>`;
        })}
      </tbody></table></div>`;
  }
}

customElements.define('zf-run-list', ZfRunList);
