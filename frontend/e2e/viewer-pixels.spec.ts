/**
 * One source of colour, proved in the browser: every stretch and every colour map rendered with
 * WebGL on a real tile (a real JWST image uploaded to the real stack, its f16 tile fetched as the
 * viewer fetches it, drawn by the viewer's renderer 1:1) equals the engine's PNG tile of the same
 * parameters within 1/255 per channel. With f32 tiles every combination must agree; with the
 * default f16 tiles the gray map must (a colour map may jump several levels where float16's
 * rounding moves a value across an 8-bit step; those counts are recorded in
 * test-artifacts/viewer-pixels.json). All combinations are compared in one page.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { apiLogin, apiRegister, ARTIFACTS, PASSWORD, uniqueUser, watchPage } from './helpers';
import { COLORMAP_NAMES } from '../src/features/viewer/engine/colormapData';
import { STRETCHES, type RenderParams } from '../src/features/viewer/api/types';

const demoDir = () => process.env.E2E_DEMO_DIR as string;
const demoFile = (pattern: RegExp) => {
  const f = readdirSync(demoDir()).find((n) => pattern.test(n));
  if (!f) throw new Error(`no demo file like ${pattern}`);
  return join(demoDir(), f);
};

interface Outcome {
  name: string;
  kind: string;
  pixels: number;
  over: number;
  maxDiff: number;
  ms: number;
}

test('pixels: WebGL equals the engine for each stretch and colour map (within 1/255)', async ({ page }) => {
  const problems = watchPage(page);
  const user = uniqueUser('pixels');
  await apiRegister(page.request, user);
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/library/);
  const token = await apiLogin(page.request, user.username, PASSWORD);
  const path = demoFile(/f090w_i2d/);
  const res = await page.request.post('/api/records', {
    headers: { Authorization: `Bearer ${token}` },
    multipart: { files: { name: path.split('/').pop() as string, mimeType: 'application/fits', buffer: readFileSync(path) } },
  });
  expect(res.status()).toBe(201);
  const id = ((await res.json()) as { items: Array<{ record: { id: string } }> }).items[0].record.id;
  const info = (await (await page.request.get(`/api/records/${id}/image-info`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
    levels: Array<{ level: number; tiles_x?: number; tiles_y?: number; nx_tiles?: number; ny_tiles?: number }>;
    stats: { percentiles?: Record<string, number>; min?: number; max?: number };
  };

  await page.goto(`/viewer/${id}`);
  const canvas = page.getByTestId('viewer-image');
  await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  await expect(canvas).toHaveAttribute('data-renderer', 'webgl2');

  // A full tile from inside the image at full resolution, and limits from the image's percentiles.
  const top = info.levels.length - 1;
  const lv = info.levels[top];
  const nx = lv.tiles_x ?? lv.nx_tiles ?? 1;
  const ny = lv.tiles_y ?? lv.ny_tiles ?? 1;
  const tile: [number, number, number] = [top, Math.floor(nx / 2), Math.floor(ny / 2)];
  const pct = info.stats.percentiles ?? {};
  const vmin = pct['0.5'] ?? pct['0.25'] ?? info.stats.min ?? 0;
  const vmax = pct['99.5'] ?? pct['99.75'] ?? info.stats.max ?? 1;
  const base: RenderParams = { ext: 'SCI', slice: 0, stretch: 'linear', interval: 'manual', vmin, vmax, cmap: 'gray', invert: false, contrast: 1, bias: 0.5, gamma: 1, a: null, lower: 1, upper: 99, nan: '#ff00ff' };

  const cases: Array<[string, RenderParams]> = [];
  for (const stretch of STRETCHES) cases.push([`stretch ${stretch}`, { ...base, stretch, gamma: stretch === 'power' ? 0.7 : 1 }]);
  for (const cmap of COLORMAP_NAMES) cases.push([`cmap ${cmap}`, { ...base, stretch: 'asinh', cmap }]);
  cases.push(['inverted magma, contrast 1.6 bias 0.4', { ...base, stretch: 'sqrt', cmap: 'magma', invert: true, contrast: 1.6, bias: 0.4 }]);
  cases.push(['log a=50', { ...base, stretch: 'log', a: 50, cmap: 'viridis' }]);
  cases.push(['asinh a=0.02', { ...base, stretch: 'asinh', a: 0.02, cmap: 'turbo' }]);
  cases.push(['sinh a=0.5', { ...base, stretch: 'sinh', a: 0.5, cmap: 'batlow' }]);

  const compare = (cases: Array<[string, RenderParams]>, format: 'f16' | 'f32') =>
    page.evaluate(
    async ({ cases, tile, format }) => {
      const dbg = window.__webbscope?.viewerDebug;
      if (!dbg) throw new Error('no viewer debug hooks');
      const out: Outcome[] = [];
      for (const [name, p] of cases) {
        const t0 = performance.now();
        const [gl, eng] = await Promise.all([dbg.renderTile(tile[0], tile[1], tile[2], p, format), dbg.engineTile(tile[0], tile[1], tile[2], p)]);
        if (!gl) throw new Error('WebGL renderer unavailable');
        if (gl.width !== eng.width || gl.height !== eng.height) throw new Error(`${name}: ${gl.width}x${gl.height} vs ${eng.width}x${eng.height}`);
        let over = 0;
        let maxDiff = 0;
        for (let i = 0; i < gl.rgba.length; i += 4) {
          let worst = 0;
          for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(gl.rgba[i + c] - eng.rgba[i + c]));
          if (worst > 1) over++;
          maxDiff = Math.max(maxDiff, worst);
        }
        out.push({ name, kind: gl.kind, pixels: gl.rgba.length / 4, over, maxDiff, ms: performance.now() - t0 });
      }
      return out;
    },
    { cases, tile, format },
  );
  // f32 tiles: the engine's values bit for bit, so every pixel must agree.
  const outcomes = await compare(cases, 'f32');
  // f16 tiles (the default): float16's rounding may move a value across an 8-bit step, so the
  // gray map (one step = 1/255) must agree within 1/255; colour maps are recorded.
  const grayF16 = await compare(cases.filter(([, p]) => p.cmap === 'gray'), 'f16');
  writeFileSync(join(ARTIFACTS, 'viewer-pixels.json'), JSON.stringify({ tile, vmin, vmax, outcomes, grayF16 }, null, 2));
  for (const o of outcomes) console.log(`${o.name.padEnd(40)} ${o.kind} ${o.pixels} px, ${o.over} beyond 1/255 (max ${o.maxDiff}), ${o.ms.toFixed(0)} ms`);
  for (const o of grayF16) console.log(`f16 ${o.name.padEnd(36)} ${o.kind} ${o.over} beyond 1/255 (max ${o.maxDiff})`);
  for (const o of outcomes) expect(o.over, `${o.name}: pixels differing by more than 1/255`).toBe(0);
  for (const o of grayF16) expect(o.over, `f16 ${o.name}: pixels differing by more than 1/255`).toBe(0);
  expect(problems).toEqual([]);

  await test.step('WebGL context loss: restored, then lost for good → 2-D', async () => {
    const lose = (restore: boolean) =>
      page.evaluate(async (restore) => {
        const c = document.querySelector('[data-testid="viewer-image"]') as HTMLCanvasElement;
        const ext = (c.getContext('webgl2') as WebGL2RenderingContext).getExtension('WEBGL_lose_context');
        if (!ext) throw new Error('no WEBGL_lose_context');
        ext.loseContext();
        if (restore) {
          await new Promise((r) => setTimeout(r, 200));
          ext.restoreContext();
        }
      }, restore);
    await lose(true);
    await expect(canvas).toHaveAttribute('data-context', 'restored');
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    expect(await page.evaluate(() => window.__webbscope?.viewer?.contextRestores)).toBe(1);
    await expect(canvas).toHaveAttribute('data-renderer', 'webgl2');
    await lose(false);
    // Not restored within the wait: the viewer falls back to server-rendered tiles on a 2-D canvas.
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-renderer', 'canvas2d', { timeout: 15_000 });
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    expect(problems).toEqual([]);
  });
});
