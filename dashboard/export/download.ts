/**
 * What a view offers to take away (an atlas, a montage, a chart's numbers) and the browser side of
 * saving it: a Blob handed to an <a download>. Views list ExportItems; <zf-export-menu> shows them.
 */

/** One thing a person can download from the current view; `make` runs only when chosen. */
export interface ExportItem {
  /** Stable id, e.g. "atlas-projections" (tests and the menu use it). */
  id: string;
  /** What the menu says, e.g. "conv2 atlas, deconvnet projections (PNG)". */
  label: string;
  make(): Promise<{ blob: Blob; name: string }>;
}

/** A view element that offers downloads. */
export interface Exporting {
  exportItems(): ExportItem[];
}

/** Whether a view element offers downloads. */
export function isExporting(el: Element | null | undefined): el is Element & Exporting {
  return !!el && typeof (el as Partial<Exporting>).exportItems === 'function';
}

/** Saves a Blob under `name` through a temporary object URL. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started by now; revoke later so slow browsers still read it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A canvas as PNG bytes. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error(`export: the ${canvas.width}x${canvas.height} canvas gave no PNG`))),
      'image/png',
    ),
  );
}

/** A stored file (an atlas) as it is on the server, byte for byte. */
export async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`export: GET ${url}: HTTP ${res.status}`);
  return res.blob();
}

/** A file name part without characters file systems dislike. */
export function safeName(...parts: (string | number)[]): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_')).join('-');
}
