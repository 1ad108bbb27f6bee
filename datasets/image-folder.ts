/**
 * Image folders: one sub-folder per class (sorted by name: that order is the label order), each
 * holding PNG and/or JPEG files. Hidden entries and files of other types are ignored.
 *
 * The mixed-size rule: every image is resized with bilinear interpolation (see resize.ts) to
 * `options.imageSize` when given, else to the size of the first image (first class, first file
 * by name). Channels: 1 when every pixel of every image is grey (R = G = B), else 3 (RGB).
 * Alpha is ignored. A corrupt file, an empty class folder or an unreadable path is an error.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describeFsError, pathKind, readFileOrThrow } from './files.js';
import { resizeBilinear } from './resize.js';
import { DatasetError, type LoadedDataset, type LoadOptions } from './types.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Refuse to allocate more than this for pixels; suggest a smaller imageSize instead. */
const MAX_PIXEL_BYTES = 1.5e9;

/** A decoded picture as RGBA. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes PNG or JPEG bytes (chosen by magic number, not extension) to RGBA; errors name the file. */
export function decodeImage(bytes: Buffer, file: string): Rgba {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new DatasetError(
      `${file} is neither a PNG nor a JPEG (its first bytes are not a PNG or JPEG signature); remove it or convert it`,
      file,
    );
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    // tolerantDecoding would hand back a half-grey picture for a truncated file: refuse instead.
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxMemoryUsageInMB: 1024,
    });
    if (!img.width || !img.height || img.data.length < img.width * img.height * 4) throw new Error('no image data');
    return img;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DatasetError(`${file} is a corrupt ${isPng ? 'PNG' : 'JPEG'} (${why}); remove or replace it`, file);
  }
}

/** Visible entries of a folder as name + kind, following symbolic links (a linked class folder counts). */
function listDir(dir: string): { name: string; kind: 'file' | 'dir' | null }[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({
        name: e.name,
        kind: e.isSymbolicLink() ? pathKind(join(dir, e.name)) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : null,
      }));
  } catch (err) {
    throw new DatasetError(`cannot read folder ${dir}: ${describeFsError(err)}`, dir);
  }
}

/** Lists classes (sorted sub-folders) and their image files (sorted), rejecting empty classes. */
export function listImageFolder(root: string): { classes: string[]; files: string[][] } {
  const kind = pathKind(root);
  if (kind !== 'dir') {
    throw new DatasetError(
      `${root}: ${kind === null ? 'no such folder' : 'is a file'}; the folder dataset expects a folder with one sub-folder of PNG/JPEG images per class`,
      root,
    );
  }
  const classes = listDir(root)
    .filter((e) => e.kind === 'dir')
    .map((e) => e.name)
    .sort();
  if (classes.length === 0) {
    throw new DatasetError(
      `${root} has no class sub-folders; put the images of each class in a sub-folder named after the class`,
      root,
    );
  }
  const files = classes.map((c) => {
    const dir = join(root, c);
    const images = listDir(dir)
      .filter((e) => e.kind === 'file' && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => join(dir, e.name))
      .sort();
    if (images.length === 0) {
      throw new DatasetError(
        `class folder ${dir} is empty: it holds no .png, .jpg or .jpeg files; add images or remove the folder`,
        dir,
      );
    }
    return images;
  });
  return { classes, files };
}

/** Loads an image folder per the rules in this file's header. */
export function loadImageFolder(root: string, options: LoadOptions = {}): LoadedDataset {
  const { classes, files } = listImageFolder(root);
  const total = files.reduce((n, f) => n + f.length, 0);
  let height = options.imageSize?.[0] ?? 0;
  let width = options.imageSize?.[1] ?? 0;
  let rgb: Uint8Array | undefined;
  const labels = new Uint8Array(total);
  if (classes.length > 256)
    throw new DatasetError(`${root} has ${classes.length} class folders; at most 256 are supported`, root);
  let grey = true;
  let i = 0;
  for (let c = 0; c < classes.length; c++) {
    for (const file of files[c]!) {
      const img = decodeImage(readFileOrThrow(file, 'image'), file);
      if (!rgb) {
        if (!height || !width) [height, width] = [img.height, img.width];
        if (total * height * width * 3 > MAX_PIXEL_BYTES) {
          throw new DatasetError(
            `${root}: ${total} images of ${height}x${width} would need ${((total * height * width * 3) / 1e9).toFixed(1)} GB; pass a smaller image size`,
            root,
          );
        }
        rgb = new Uint8Array(total * height * width * 3);
      }
      const sized = resizeBilinear(img.data, img.height, img.width, 4, height, width);
      const base = i * height * width * 3;
      for (let p = 0, q = 0; p < sized.length; p += 4, q += 3) {
        const r = sized[p]!,
          g = sized[p + 1]!,
          b = sized[p + 2]!;
        rgb[base + q] = r;
        rgb[base + q + 1] = g;
        rgb[base + q + 2] = b;
        if (r !== g || g !== b) grey = false;
      }
      labels[i++] = c;
      if (i % 1000 === 0) options.onProgress?.(`decoded ${i}/${total} images from ${root}`);
    }
  }
  let images = rgb!;
  if (grey) {
    images = new Uint8Array(total * height * width);
    for (let p = 0; p < images.length; p++) images[p] = rgb![3 * p]!;
  }
  return {
    name: 'folder',
    classes,
    train: { images, labels, count: total, height, width, channels: grey ? 1 : 3 },
    source: root,
  };
}
