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
  filterAngle: 0.0123,
  responseChange: 0.456,
  jumpZ: 7.7,
  jump: 'new-source',
  state: 'weak',
  flatness: 0.21,
  aliasing: 0.099,
};

describe("a feature's health over the epochs", () => {
  it('shows every FilterHealth field (dead as the state), one row per epoch in the CSV', () => {
    const { header, rows } = featureHealthRows([
      { epoch: 5, health, mark: { epoch: 5, jumpZ: 7.7, topImageChanged: true, jump: 'new-source' } },
    ]);
    const row = rows[0]!;
    for (const [key, v] of Object.entries(health)) {
      if (key === 'dead' || key === 'jump') continue;
      expect(row, key).toContain(v);
    }
    expect(row[0]).toBe(5);
    expect(row[header.indexOf('state')]).toBe('weak');
    expect(row[header.indexOf('jump')]).toBe('new top image');
  });

  it('gives a same-source jump its reason, leaves out conv1-only rows where no epoch has them, and blanks a missing map', () => {
    const { aliasing, flatness, ...conv3 } = health;
    const { header, rows } = featureHealthRows([
      {
        epoch: 1,
        health: { ...conv3, dead: true, state: 'dead', weightChange: null, jumpZ: null, jump: null },
        mark: { epoch: 1, jumpZ: null, topImageChanged: false, jump: null },
      },
      {
        epoch: 2,
        health: { ...conv3, state: null },
        mark: { epoch: 2, jumpZ: 7.7, topImageChanged: false, jump: 'same-source' },
      },
      { epoch: 3 },
    ]);
    expect(header).not.toContain('aliasing');
    expect(header).not.toContain('flatness');
    expect(flatness).toBe(0.21);
    expect(rows.map((r) => r[header.indexOf('state')])).toEqual(['dead', 'healthy', null]);
    expect(rows.map((r) => r[header.indexOf('weight_change')])).toEqual([null, 0.055, undefined]);
    expect(rows[1]![header.indexOf('jump')]).toBe('same top image, changed response');
    expect(aliasing).toBe(0.099);
  });
});
