import { describe, expect, it } from 'vitest';
import { registry } from '../../training/registry.js';
import { ANALYSES } from '../../training/analyses/index.js';
import { PROJECTION_METHODS, checkMethods } from '../../training/viz/methods/index.js';

describe('registries keep themselves honest', () => {
  it('keys every entry by its own name, once', () => {
    const r = registry('thing', [{ name: 'a' }, { name: 'b-2' }]);
    expect(Object.keys(r)).toEqual(['a', 'b-2']);
    expect(() => registry('thing', [{ name: 'a' }, { name: 'a' }])).toThrow(
      "thing registry: two entries are named 'a'",
    );
    expect(() => registry('thing', [{ name: 'Bad name' }])).toThrow(/"Bad name" is not lower-case/);
  });

  it('the projection-method and analysis registries hold each entry under its name', () => {
    for (const reg of [PROJECTION_METHODS, ANALYSES])
      for (const [key, entry] of Object.entries(reg)) expect(entry.name).toBe(key);
  });

  it('method names are checked in one place, with one message', () => {
    expect(checkMethods(['guided', 'deconvnet', 'guided'], '--methods')).toEqual(['guided', 'deconvnet']);
    expect(() => checkMethods([], '--methods')).toThrow(
      '--methods: expected a list of deconvnet, backprop, guided; found none',
    );
    expect(() => checkMethods(['lime'], 'takeSnapshot methods')).toThrow(
      "takeSnapshot methods: unknown method 'lime'; valid methods are deconvnet, backprop, guided",
    );
  });
});
