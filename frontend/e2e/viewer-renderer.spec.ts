/**
 * The viewer's renderers in real headless Chromium. Sign-in runs against the real stack; the
 * viewer endpoints of ONE synthetic record (id `synthetic-…`) are answered by fixtures/synthetic.ts
 * through Playwright routing, so the GPU path (f16 tiles, shader stretch) and the 2-D fallback can be
 * checked pixel by pixel whatever the backend has deployed. The real-stack journey (journey.spec.ts)
 * exercises the same viewer against the backend's own endpoints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import * as syn from './fixtures/synthetic';
import { apiRegister, ARTIFACTS, shot, signIn, uniqueUser, watchPage } from './helpers';

const RECORD = 'synthetic-0001';
const metrics: Record<string, unknown> = {};

async function serveSynthetic(page: Page, requests: string[]) {
  await page.route(new RegExp(`/api/records/${RECORD}(/|$|\\?)`), async (route) => {
    const url = new URL(route.request().url());
    requests.push(url.pathname + url.search);
    const path = url.pathname.replace(`/api/records/${RECORD}`, '');
    const json = (body: unknown) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    if (path === '' || path === '/') return json({ id: RECORD, file_name: 'synthetic_i2d.fits', metadata: {} });
    if (path === '/image-info') return json(syn.imageInfo());
    if (path === '/pixel') return json(syn.pixel(Number(url.searchParams.get('x')), Number(url.searchParams.get('y'))));
    if (path === '/grid') return json(syn.grid());
    const m = path.match(/^\/tiles\/(\d+)\/(\d+)\/(\d+)\.(f16|png|webp|jpg)$/);
    if (m) {
      const [level, x, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (m[4] === 'f16') return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: syn.f16Tile(level, x, y) });
      const p = url.searchParams;
      return route.fulfill({ status: 200, contentType: 'image/png', body: syn.pngTile(level, x, y, p.get('cmap') ?? 'gray', p.get('invert') === '1') });
    }
    return route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'Not Found', details: null } }) });
  });
}

async function signInNewUser(page: Page) {
  const u = uniqueUser('viewer');
  await apiRegister(page.request, u);
  await signIn(page, u.username);
}

/**
 * The colour on the canvas (from a screenshot: what a person sees) at 12% of its width right of
 * the centre: on the flank of the central source, a mid-grey in the default display.
 */
async function centreColour(page: Page): Promise<[number, number, number]> {
  const canvas = page.getByTestId('viewer-image');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no canvas');
  const png = await page.screenshot({ clip: { x: box.x + box.width * 0.62 - 1, y: box.y + box.height / 2 - 1, width: 2, height: 2 } });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, png.toString('base64'));
}

async function latencyAfter(page: Page, action: () => Promise<unknown>): Promise<number> {
  const before = await page.evaluate(() => window.__webbscope?.viewer?.stretchLatencies.length ?? 0);
  await action();
  await page.waitForFunction((n) => (window.__webbscope?.viewer?.stretchLatencies.length ?? 0) > n, before);
  return page.evaluate(() => window.__webbscope?.viewer?.stretchLatencies.at(-1) ?? -1);
}

test.describe('viewer renderers (synthetic record)', () => {
  test.afterAll(() => {
    writeFileSync(join(ARTIFACTS, 'viewer-renderer-metrics.json'), JSON.stringify(metrics, null, 2));
  });

  test('WebGL: float tiles, shader stretch and colour map in one frame, readout, pan and zoom', async ({ page }) => {
    const problems = watchPage(page);
    const requests: string[] = [];
    await signInNewUser(page);
    await serveSynthetic(page, requests);
    await page.goto(`/viewer/${RECORD}`);
    const canvas = page.getByTestId('viewer-image');
    await expect(canvas).toHaveAttribute('data-renderer', 'webgl2');
    await expect(canvas).toHaveAttribute('data-complete', '1');
    expect(requests.some((r) => r.includes('.f16'))).toBe(true);
    const grey = await centreColour(page);
    expect(Math.abs(grey[0] - grey[2])).toBeLessThan(12); // grey
    expect(grey[0]).toBeGreaterThan(40); // the flank of the central source
    expect(grey[0]).toBeLessThan(220);

    const tileRequests = requests.length;
    const cmapMs = await latencyAfter(page, () => page.getByLabel('Colour map').selectOption('hot'));
    const hot = await centreColour(page);
    expect(hot[0]).toBeGreaterThan(hot[2] + 60); // red-yellow, not grey
    const stretchMs = await latencyAfter(page, () => page.getByLabel('Stretch').selectOption('log'));
    const invertMs = await latencyAfter(page, () => page.getByLabel('Invert').check());
    expect(requests.length).toBe(tileRequests); // no tile was fetched again: the GPU did it
    metrics.webgl = { cmapMs, stretchMs, invertMs };
    await page.getByLabel('Invert').uncheck();

    // histogram: drag the white point down with the keyboard
    const white = page.getByRole('slider', { name: 'White point' });
    await white.focus();
    const hmMs = await latencyAfter(page, () => white.press('PageDown'));
    await expect(page.getByLabel('Interval')).toHaveValue('manual');
    metrics.webgl = { ...(metrics.webgl as object), histogramDragMs: hmMs };

    // readout under the cursor and pinned by a click
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(page.getByTestId('readout-hover').locator('[data-field="value"]')).toContainText(/\d/);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect(page.getByTestId('readout-pinned').locator('[data-field="ra"]')).toContainText('RA(159.');
    await expect(page.getByTestId('readout-pinned').locator('[data-field="dec"]')).toContainText('DEC(-58.');

    // grid overlay
    await page.getByLabel('RA/Dec grid').check();
    await expect.poll(() => requests.some((r) => r.includes('/grid'))).toBe(true);

    // zoom with the wheel about the cursor, then pan by dragging, then keyboard
    const level0 = Number(await canvas.getAttribute('data-level'));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -240);
    await expect.poll(async () => Number(await canvas.getAttribute('data-level'))).toBeGreaterThan(level0);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 100, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('viewer-canvas').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('+');
    await expect(canvas).toHaveAttribute('data-complete', '1');
    await shot(page, 'viewer-webgl-synthetic');
    await page.keyboard.press('0');
    expect(problems).toEqual([]);
  });

  test('2-D fallback: server-rendered image tiles, re-requested on a change', async ({ page }) => {
    const problems = watchPage(page);
    const requests: string[] = [];
    await signInNewUser(page);
    await serveSynthetic(page, requests);
    await page.goto(`/viewer/${RECORD}?renderer=2d`);
    const canvas = page.getByTestId('viewer-image');
    await expect(canvas).toHaveAttribute('data-renderer', 'canvas2d');
    await expect(canvas).toHaveAttribute('data-complete', '1');
    const before = await centreColour(page);
    expect(Math.abs(before[0] - before[2])).toBeLessThan(12);
    const cmapMs = await latencyAfter(page, () => page.getByLabel('Colour map').selectOption('hot'));
    expect(requests.some((r) => /tiles\/.*cmap=hot/.test(r))).toBe(true);
    const after = await centreColour(page);
    expect(after[0]).toBeGreaterThan(after[2] + 60);
    metrics.canvas2d = { cmapMs, note: 'includes the test stub encoding PNG tiles in JavaScript' };
    await shot(page, 'viewer-2d-synthetic');
    expect(problems).toEqual([]);
  });
});
