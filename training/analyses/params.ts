/**
 * Parameters of a request: defaults filled in, types and bounds checked against the analysis's
 * declared specs, and one canonical key (the store's address of the result, so that the same
 * question, however spelled, is answered from the store).
 */
import { createHash } from 'node:crypto';
import { ANALYSES } from './index.js';
import { AnalysisError, type Analysis, type AnalysisParams, type ParamSpec, type ParamValue } from './types.js';

function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function coerce(spec: ParamSpec, raw: unknown, analysis: string): ParamValue {
  const bad = (expected: string): never => {
    throw new AnalysisError(
      'bad-param',
      `${analysis} --${spec.name}: expected ${expected}, found ${describeValue(raw)}`,
    );
  };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      const what = `${spec.kind === 'int' ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}`;
      if (!Number.isFinite(n) || n < spec.min || n > spec.max || (spec.kind === 'int' && !Number.isInteger(n)))
        bad(what);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      return bad('true or false');
    case 'choice':
      if (typeof raw === 'string' && spec.choices.includes(raw)) return raw;
      return bad(`one of ${spec.choices.join(', ')}`);
    case 'string':
      if (typeof raw === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(raw)) return raw;
      return bad('a name of [A-Za-z0-9._-]');
  }
}

/**
 * The full parameters of a request: every declared one, from `raw` or its default (a null default
 * leaves it out: "not given"). Unknown names and bad values are AnalysisErrors naming the parameter.
 */
export function resolveParams(analysis: Analysis, raw: Record<string, unknown> = {}): AnalysisParams {
  const specs = new Map(analysis.params.map((s) => [s.name, s]));
  for (const name of Object.keys(raw)) {
    if (!specs.has(name)) {
      throw new AnalysisError(
        'bad-param',
        `${analysis.name}: unknown parameter '${name}'; valid: ${analysis.params.map((s) => s.name).join(', ')}`,
      );
    }
  }
  const out: AnalysisParams = {};
  for (const spec of analysis.params) {
    const given = raw[spec.name];
    if (given !== undefined && given !== null) out[spec.name] = coerce(spec, given, analysis.name);
    else if (spec.default !== null) out[spec.name] = spec.default;
  }
  return out;
}

/** Params as canonical JSON: keys sorted, so the key does not depend on the order they were given in. */
export function canonicalParams(params: AnalysisParams): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * The store's key of a result: `<analysis>-<12 hex of the hash of its version and params>` (the
 * epoch is a folder above).
 */
export function analysisKey(analysis: string, params: AnalysisParams): string {
  const version = Object.hasOwn(ANALYSES, analysis) ? ANALYSES[analysis]!.version : 0;
  return `${analysis}-${createHash('sha256')
    .update(`${version}\n${canonicalParams(params)}`)
    .digest('hex')
    .slice(0, 12)}`;
}
