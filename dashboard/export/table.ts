/**
 * Numbers behind a view as CSV (RFC 4180: comma-separated, quoted where needed, CRLF) or JSON.
 * Pure: a header and rows in, text out.
 */

/** One value of a table cell; null and undefined are written empty. */
export type Cell = string | number | boolean | null | undefined;

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header and rows as CSV text. */
export function toCsv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Rows as objects keyed by the header, for JSON. */
export function toRecords(header: string[], rows: Cell[][]): Record<string, Cell>[] {
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? null])));
}

/** Line chart series (label + points) as long-format rows: series, x, y. */
export function seriesRows(series: { label: string; points: { x: number; y: number | null }[] }[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const s of series) for (const p of s.points) rows.push([s.label, p.x, p.y]);
  return rows;
}
