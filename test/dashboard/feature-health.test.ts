import { describe, expect, it } from 'vitest';
import type { FilterHealth } from '../../server/protocol.js';
import { featureHealthRows } from '../../dashboard/render/feature-health.js';

// Distinct values, so each can be found in the output.
const health: Required<FilterHealth> = {
  activeShare: 0.11,
  maxActivation: 2.2,
  meanActivation: 0.33,
  dead: false,
  weightRms: 0.044,
  weightChange: 0.055,
  turnover: 0.66,
  projectionChange: 0.077,
  jumpScore: 0.88,
  aliasing: 0.099,
};

describe("a feature's health over the epochs", () => {
  it('shows every FilterHealth field (dead as the state), one row per epoch in the CSV', () => {
    const { header, rows } = featureHealthRows([{ epoch: 5, health, mark: { epoch: 5, jumpScore: 0.88, topImageChanged: true, jump: true } }]);
    const row = rows[0]!;
    for (const [key, v] of Object.entries(health)) {
      if (key === 'dead') continue;
      expect(row, key).toContain(v);
    }
    expect(row[0]).toBe(5);
    expect(row[header.indexOf('state')]).toBe('active');
    expect(row[header.indexOf('jump')]).toBe('new top image');
  });

  it('gives a jump by score its reason, leaves out aliasing where no epoch has it, and blanks a missing map', () => {
    const { aliasing, ...noAliasing } = health;
    const { header, rows } = featureHealthRows([
      { epoch: 1, health: { ...noAliasing, dead: true, weightChange: null, jumpScore: null }, mark: { epoch: 1, jumpScore: null, topImageChanged: false, jump: false } },
      { epoch: 2, health: noAliasing, mark: { epoch: 2, jumpScore: 0.88, topImageChanged: false, jump: true } },
      { epoch: 3 },
    ]);
    expect(header).not.toContain('aliasing');
    expect(rows.map((r) => r[header.indexOf('state')])).toEqual(['dead', 'active', null]);
    expect(rows.map((r) => r[header.indexOf('weight_change')])).toEqual([null, 0.055, undefined]);
    expect(rows[1]![header.indexOf('jump')]).toBe('score ≥ 0.5');
    expect(aliasing).toBe(0.099);
  });
});
