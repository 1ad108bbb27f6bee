/** A minimal observable store around the pure reducer: the app shell subscribes, controllers dispatch. */
import { type Action, type DashboardState, initialState, reduce } from './reducer.js';

export class Store {
  #state: DashboardState = initialState;
  #listeners = new Set<(s: DashboardState) => void>();

  get state(): DashboardState {
    return this.#state;
  }

  dispatch(action: Action): void {
    const next = reduce(this.#state, action);
    if (next === this.#state) return;
    this.#state = next;
    for (const l of this.#listeners) l(next);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (s: DashboardState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
