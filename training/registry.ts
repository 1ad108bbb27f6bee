/**
 * A plain registry keyed by each entry's own name (projection methods, analyses): the name is
 * written once, in the entry, and a repeated or malformed name fails at load, naming both.
 */
export function registry<T extends { name: string }>(what: string, entries: readonly T[]): Readonly<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const e of entries) {
    if (!/^[a-z][a-z0-9-]*$/.test(e.name))
      throw new Error(`${what} registry: name ${JSON.stringify(e.name)} is not lower-case letters, digits and dashes`);
    if (Object.hasOwn(out, e.name)) throw new Error(`${what} registry: two entries are named '${e.name}'`);
    out[e.name] = e;
  }
  return Object.freeze(out);
}
