/** Token checks shared by the ingest socket and REST: constant-time, so a token cannot be guessed by timing. */
import { timingSafeEqual } from 'node:crypto';

/** Compares tokens in constant time. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
