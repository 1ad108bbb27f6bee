/**
 * The diagnostics' marks on a feature, the same on every view: its filter state (dead, weak,
 * structureless) and a sudden jump with its reason, each with a tooltip that says the rule.
 */
import { html, nothing } from 'lit';
import type { FilterHealth, LayerHealth } from '../../server/protocol.js';
import { legend, readingRules, type DiagnosticRules } from '../../training/viz/diagnostics/rules.js';
import { num } from '../state/format.js';

const STATE_CLASS = { dead: 'dead', weak: 'warn', structureless: 'warn' } as const;

/** The rules a layer's flags were raised with (the defaults for runs recorded before they were stored). */
export const rulesOf = (h: LayerHealth | undefined): DiagnosticRules => readingRules(h?.rules);

/** The filter's state, falling back to `dead` for runs recorded before states existed. */
export const stateOf = (h: FilterHealth) => h.state ?? (h.dead ? 'dead' : null);

export function stateBadge(h: FilterHealth, rules: DiagnosticRules) {
  const state = stateOf(h);
  if (!state) return nothing;
  return html`<span class="badge ${STATE_CLASS[state]}" data-state-mark=${state} title=${legend(state, rules)}>${state}</span>`;
}

/** ⟳ the strongest activation now comes from another image; △ the same top image, a changed response. */
export function jumpBadge(h: FilterHealth, rules: DiagnosticRules) {
  if (!h.jump) return nothing;
  const why =
    h.jump === 'new-source'
      ? 'the strongest activation now comes from another image'
      : 'same top image, the response changed';
  return html`<span class="badge warn" data-jump=${h.jump} title=${`${why}; z = ${num(h.jumpZ, 1)}. ${legend('jump', rules)}`}>${h.jump === 'new-source' ? '⟳' : '△'} jump</span>`;
}
