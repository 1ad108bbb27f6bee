/**
 * The base of the views that show one run (layer grid, evolution, health, a feature's page, the
 * figure experiments): the run, its data and the navigation state, set by <zf-app> as properties,
 * and the controller they load snapshot indexes with. Not an element of its own.
 */
import { LitElement } from 'lit';
import type { RunInfo } from '../../server/protocol.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import type { RunData } from '../state/reducer.js';
import type { NavState } from '../state/url.js';

export class RunView extends LitElement {
  static override properties = { run: { attribute: false }, data: { attribute: false }, nav: { attribute: false } };
  /** The run shown. */
  declare run: RunInfo | undefined;
  /** Its events, folded by the reducer. */
  declare data: RunData | undefined;
  /** What the person is looking at (layer, feature, epoch, method). */
  declare nav: NavState;

  protected readonly snaps = new SnapshotsController(this);
}
