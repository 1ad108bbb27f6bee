import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, progressBar, type RemoteFile } from '../../datasets/download.js';
import { datasetRejection, noise, tempDir } from './helpers.js';
import { startServer, type FixtureServer } from './server.js';

const BODY = Buffer.from(noise(300_000, 42));
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const FAST = { retries: 3, retryDelayMs: 5, timeoutMs: 5000 };

let dir: string;
let cleanup: () => void;
let server: FixtureServer;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  server = await startServer({
    '/data.bin': { body: BODY },
    '/cut.bin': { body: BODY, cutAfter: 100_000 },
    '/cut-no-range.bin': { body: BODY, cutAfter: 100_000, noRange: true },
    '/wrong.bin': { body: Buffer.from(noise(300_000, 43)) },
    '/broken.bin': { status: 500 },
    '/moved.bin': { redirect: '/data.bin' },
  });
});
afterEach(async () => {
  await server.close();
  cleanup();
});

const file = (paths: string[], sums: Partial<RemoteFile> = { md5: md5(BODY) }): RemoteFile => ({
  name: 'data.bin',
  urls: paths.map((p) => server.url + p),
  ...sums,
});

describe('downloadFile', () => {
  it('downloads, checks the MD5, renames into place and reports a progress bar', async () => {
    const messages: string[] = [];
    const dest = await downloadFile(file(['/data.bin']), join(dir, 'cache'), {
      ...FAST,
      onProgress: (m) => messages.push(m),
    });
    expect(dest).toBe(join(dir, 'cache', 'data.bin'));
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(messages).toContain('data.bin [####################] 100% 0.3/0.3 MB');
    expect(server.requests).toEqual([{ path: '/data.bin', range: undefined }]);
  });

  it('checks a SHA-256 and follows redirects', async () => {
    const dest = await downloadFile(file(['/moved.bin'], { sha256: sha256(BODY) }), dir, FAST);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/moved.bin', '/data.bin']);
  });

  it('resumes a truncated response with a Range request from the bytes already on disk', async () => {
    const dest = await downloadFile(file(['/cut.bin']), dir, FAST);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(server.requests).toEqual([
      { path: '/cut.bin', range: undefined },
      { path: '/cut.bin', range: 'bytes=100000-' },
    ]);
  });

  it('starts over when the server ignores the Range header', async () => {
    const dest = await downloadFile(file(['/cut-no-range.bin']), dir, FAST);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
  });

  it('resumes a .part file left by an earlier run', async () => {
    writeFileSync(join(dir, 'data.bin.part'), BODY.subarray(0, 123_456));
    const dest = await downloadFile(file(['/data.bin']), dir, FAST);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(server.requests).toEqual([{ path: '/data.bin', range: 'bytes=123456-' }]);
  });

  it('rejects a checksum mismatch, deleting the bad bytes and naming the URL and both sums', async () => {
    const err = await datasetRejection(downloadFile(file(['/wrong.bin']), dir, FAST));
    const got = md5(Buffer.from(noise(300_000, 43)));
    expect(err.message).toContain(
      `could not download data.bin: ${server.url}/wrong.bin: checksum mismatch: expected md5 ${md5(BODY)}, got ${got}`,
    );
    expect(err.message).toContain(`fetch the file yourself into ${dir}`);
    expect(existsSync(join(dir, 'data.bin'))).toBe(false);
    expect(existsSync(join(dir, 'data.bin.part'))).toBe(false);
  });

  it('retries a server error, then fails naming every attempt', async () => {
    const err = await datasetRejection(downloadFile(file(['/broken.bin']), dir, FAST));
    expect(server.requests.map((r) => r.path)).toEqual(['/broken.bin', '/broken.bin', '/broken.bin']);
    expect(err.message).toContain(`${server.url}/broken.bin (attempt 1): HTTP 500 Internal Server Error`);
    expect(err.message).toContain('(attempt 3): HTTP 500');
    expect(err.file).toBe(join(dir, 'data.bin'));
  });

  it('does not retry a 404 but moves on to the next mirror', async () => {
    const dest = await downloadFile(file(['/gone.bin', '/data.bin']), dir, FAST);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/gone.bin', '/data.bin']);
  });

  it('names the download folder when it cannot be created', async () => {
    writeFileSync(join(dir, 'afile'), 'x');
    const err = await datasetRejection(downloadFile(file(['/data.bin']), join(dir, 'afile', 'sub'), FAST));
    expect(err.message).toMatch(
      new RegExp(
        `^cannot create the download folder ${join(dir, 'afile', 'sub')}: .+; set \\$ZFSCOPE_DATA to a writable folder`,
      ),
    );
    expect(server.requests).toEqual([]);
  });

  it('fails on a connection refused, naming the URL', async () => {
    const url = server.url;
    await server.close();
    const err = await datasetRejection(
      downloadFile({ name: 'x.bin', urls: [`${url}/x.bin`] }, dir, { ...FAST, retries: 2 }),
    );
    expect(err.message).toMatch(
      /could not download x\.bin: http:\/\/127\.0\.0\.1:\d+\/x\.bin \(attempt 1\): connect ECONNREFUSED/,
    );
    server = await startServer({});
  });
});

describe('progressBar', () => {
  it('draws a 20-cell bar with percent and megabytes, or just megabytes without a total', () => {
    expect(progressBar('f', 5 * 1048576, 20 * 1048576)).toBe('f [#####---------------] 25% 5.0/20.0 MB');
    expect(progressBar('f', 1.5 * 1048576, undefined)).toBe('f 1.5 MB');
  });
});
