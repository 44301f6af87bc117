/**
 * Downloads stream to disk: a record's file of more than 1 GiB is downloaded through the record
 * page's Download button (a short-lived signed link the browser follows) while the tab's memory
 * stays bounded — its JavaScript heap, and the peak resident memory of the tab's renderer and of
 * the browser process — and the saved file is the record's, byte for byte (size and sha256).
 *
 * The big record costs little to make: a sparse FITS file (a small SCI image and a 16-bit
 * extension of zeros that is a hole on disk) is streamed from this process to the upload API,
 * never through the browser. The record, the downloaded file and the sparse file are removed after.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type CDPSession } from '@playwright/test';
import { writeSparseFits } from './fixtures/fits';
import { apiLogin, apiRegister, signIn, uniqueUser, watchPage } from './helpers';

const GIB = 1024 ** 3;
const FILE_BYTES = 1.1 * GIB;
/** How much any one measure may grow while the file downloads: far less than the file. */
const BOUND = 100 * 1024 ** 2;

interface Uploaded {
  id: string;
  size: number;
  sha256: string;
}

/** Upload a file to the API as a stream (multipart, one part `files`): it never sits in memory. */
function uploadStreaming(backend: string, token: string, path: string, name: string): Promise<Uploaded> {
  const boundary = `----webbscope-e2e-${Date.now().toString(36)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/fits\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + statSync(path).size + tail.length;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/records', backend),
      { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          if (res.statusCode !== 201) return reject(new Error(`upload answered ${res.statusCode}: ${body.slice(0, 500)}`));
          const record = (JSON.parse(body) as { items: Array<{ record: Uploaded }> }).items[0].record;
          resolve({ id: record.id, size: record.size, sha256: record.sha256 });
        });
      },
    );
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path, { highWaterMark: 4 * 1024 * 1024 });
    file.on('error', reject);
    file.on('end', () => req.end(tail));
    file.pipe(req, { end: false });
  });
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 8 * 1024 * 1024 })
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The page's JavaScript heap in use, after a garbage collection (bytes). */
async function heapUsed(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
  if (used === undefined) throw new Error('no JSHeapUsedSize metric');
  return used;
}

/** Resident and peak resident memory of a process (bytes), from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

test('a record file larger than 1 GiB downloads to disk with the tab’s memory bounded', async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const problems = watchPage(page);
  const user = uniqueUser('downloader');
  await apiRegister(page.request, user);
  await signIn(page, user.username);
  const token = await apiLogin(page.request, user.username, user.password);

  const dir = mkdtempSync(join(tmpdir(), 'webbscope-e2e-download-'));
  let record: Uploaded | null = null;
  try {
    const source = join(dir, 'big_download_i2d.fits');
    const size = writeSparseFits(source, FILE_BYTES);
    expect(size).toBeGreaterThan(GIB);
    record = await test.step('upload the big file (streamed, not through the browser)', () =>
      uploadStreaming(process.env.E2E_BACKEND_URL as string, token, source, 'big_download_i2d.fits'),
    );
    expect(record.size).toBe(size);
    rmSync(source); // the stored copy is the one downloaded

    await page.goto(`/records/${record.id}`);
    const button = page.getByRole('button', { name: 'Download', exact: true });
    await expect(button).toBeEnabled();

    // The tab (its renderer) and the browser process: their peak resident memory is reset here
    // (Linux: `5` to clear_refs), so the peak read after the download is the download's.
    const browserCdp = await browser.newBrowserCDPSession();
    const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
    const watched = processInfo.filter((p) => p.type === 'browser' || p.type === 'renderer').map((p) => ({ type: p.type, pid: p.id }));
    expect(watched.filter((p) => p.type === 'renderer').length).toBeGreaterThan(0);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapBefore = await heapUsed(cdp);
    const before = new Map(watched.map((p) => [p.pid, memoryOf(p.pid).rss]));
    for (const p of watched) writeFileSync(`/proc/${p.pid}/clear_refs`, '5');

    // Generous: an app that gathered the file in memory first would start the download late (and fail below).
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await button.click();
    const saved = await (await download).path(); // resolves once the whole file is on disk
    const heapAfter = await heapUsed(cdp);
    const grew = watched.map((p) => ({ ...p, by: memoryOf(p.pid).peak - (before.get(p.pid) ?? 0) }));
    const description = `file ${size} B; JS heap ${heapBefore} → ${heapAfter} B; peak growth ${grew.map((g) => `${g.type} ${g.pid}: ${g.by} B`).join(', ')}`;
    testInfo.annotations.push({ type: 'memory', description });
    console.log(`download memory: ${description}`);

    expect(heapAfter - heapBefore).toBeLessThan(BOUND);
    for (const g of grew) expect(g.by, `${g.type} process ${g.pid}: peak resident memory growth`).toBeLessThan(BOUND);
    expect(statSync(saved).size).toBe(size);
    expect(await sha256Of(saved)).toBe(record.sha256);
    expect((await download).suggestedFilename()).toBe('big_download_i2d.fits');
    await (await download).delete();
    expect(problems).toEqual([]);
  } finally {
    if (record) {
      const res = await page.request.delete(`/api/records/${record.id}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status()).toBe(204);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
