/**
 * RGBA images on screen and in downloads: a data URL for an <img> (scaled up with pixelated
 * rendering by CSS, so no canvas of these stays in a view's tree for the chart exporter to find), and
 * a montage of rows of images (RGBA, or PNGs loaded from their URLs) drawn large onto one canvas,
 * with optional rectangle markers.
 */
import type { Rgba } from '../state/experiments.js';

const urls = new WeakMap<Uint8ClampedArray, string>();

function canvasOf(img: Rgba): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  c.getContext('2d')!.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  return c;
}

/** A PNG data URL of the image (cached per pixel buffer). */
export function rgbaUrl(img: Rgba): string {
  let url = urls.get(img.data);
  if (!url) {
    url = img.width && img.height ? canvasOf(img).toDataURL('image/png') : '';
    urls.set(img.data, url);
  }
  return url;
}

/** An image loaded from a URL (same origin: a canvas it is drawn on stays exportable), decoded. */
export async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error(`export: could not load ${url}`);
  }
  return img;
}

/** One cell of a montage: an image, an optional box (in its pixels) outlined on it, a caption. */
export interface MontageCell {
  img: Rgba | HTMLImageElement;
  box?: { top: number; left: number; height: number; width: number };
  caption?: string;
}

/** Rows of cells drawn `size` px square each, with captions under them, as a PNG Blob. */
export function montagePng(rows: MontageCell[][], size = 112): Promise<Blob> {
  const gap = 8;
  const captionH = 16;
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const canvas = document.createElement('canvas');
  canvas.width = cols * (size + gap) + gap;
  canvas.height = rows.length * (size + captionH + gap) + gap;
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#15181e';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.imageSmoothingEnabled = false;
  g.font = '11px sans-serif';
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      const x = gap + c * (size + gap);
      const y = gap + r * (size + captionH + gap);
      const img = cell.img;
      const [w, h] = img instanceof HTMLImageElement ? [img.naturalWidth, img.naturalHeight] : [img.width, img.height];
      g.drawImage(img instanceof HTMLImageElement ? img : canvasOf(img), x, y, size, size);
      if (cell.box) {
        const sx = size / Math.max(1, w);
        const sy = size / Math.max(1, h);
        g.strokeStyle = '#f0b861';
        g.lineWidth = 2;
        g.strokeRect(x + cell.box.left * sx, y + cell.box.top * sy, cell.box.width * sx, cell.box.height * sy);
      }
      if (cell.caption) {
        g.fillStyle = '#c0c7d2';
        g.fillText(cell.caption, x, y + size + 12, size);
      }
    });
  });
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('export: the montage canvas gave no PNG'))), 'image/png'),
  );
}
