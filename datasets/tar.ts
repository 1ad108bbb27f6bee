/**
 * A minimal reader for ustar/GNU tar archives, enough to take the CIFAR-10 binary files out of
 * `cifar-10-binary.tar.gz` without a dependency or a shell-out to `tar`. Regular files only.
 */
import { DatasetError } from './types.js';

function field(block: Uint8Array, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return Buffer.from(end < 0 ? slice : slice.subarray(0, end)).toString('utf8');
}

/** Maps each regular file's path inside the archive to a view of its bytes. */
export function readTar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return entries; // end-of-archive marker
    const sizeText = field(header, 124, 12).trim();
    const size = parseInt(sizeText || '0', 8);
    if (!Number.isFinite(size) || size < 0) {
      throw new DatasetError(
        `${file}: corrupt tar header at byte ${offset} (size field "${sizeText}"); fetch the archive again`,
        file,
      );
    }
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const type = String.fromCharCode(header[156]!);
    const start = offset + 512;
    if (start + size > bytes.length) {
      throw new DatasetError(
        `${file} is truncated inside ${name} (needs ${size} bytes, ${bytes.length - start} left); fetch it again`,
        file,
      );
    }
    if (type === '0' || type === '\0') entries.set(name, bytes.subarray(start, start + size));
    offset = start + Math.ceil(size / 512) * 512;
  }
  // No end marker: tolerated only when the archive ends exactly on a record boundary.
  if (offset !== bytes.length)
    throw new DatasetError(`${file} is truncated (ends inside a tar header); fetch it again`, file);
  return entries;
}
