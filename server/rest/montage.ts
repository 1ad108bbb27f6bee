/** The export of a snapshot: its atlases side by side in one PNG (patches, then one per method). */
import { PNG } from 'pngjs';

/** Grey between panels, so patch and projection grids read as separate. */
const GAP_RGB = [128, 128, 128];

/** Places PNG panels left to right, top-aligned, `gap` pixels apart, on a grey background. */
export function montage(panels: PNG[], gap: number): PNG {
  const width = panels.reduce((w, p) => w + p.width, 0) + gap * Math.max(0, panels.length - 1);
  const height = Math.max(1, ...panels.map((p) => p.height));
  const out = new PNG({ width: Math.max(1, width), height });
  for (let i = 0; i < out.data.length; i += 4) {
    out.data[i] = GAP_RGB[0]!;
    out.data[i + 1] = GAP_RGB[1]!;
    out.data[i + 2] = GAP_RGB[2]!;
    out.data[i + 3] = 255;
  }
  let x0 = 0;
  for (const p of panels) {
    PNG.bitblt(p, out, 0, 0, p.width, p.height, x0, 0);
    x0 += p.width + gap;
  }
  return out;
}
