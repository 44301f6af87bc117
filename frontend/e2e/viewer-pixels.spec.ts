/**
 * One source of colour, proved in the browser: every stretch and every colour map rendered with
 * WebGL on a real tile (a real JWST image uploaded to the real stack, its float tile fetched as
 * the viewer fetches it, drawn by the viewer's renderer 1:1) equals the engine's PNG tile of the
 * same parameters within 1/255 per channel.
 *
 * - f32 tiles (the engine's values bit for bit): every combination agrees within 1/255.
 * - f16 tiles (the default): every combination is compared too, and every difference must be
 *   explained by float16 rounding alone. A float16 sample keeps 11 significant bits, so even
 *   with the per-tile offset and scale (WFT1) a decoded value may be off by up to 2**-10 of
 *   itself (REL_TOLERANCE in webbscope.imaging._encode; tiles that would lose more come as
 *   float32). A value closer than that to one of the 256 steps of the 8-bit index
 *   (index = min(floor(256 x), 255) after the stretch) can then land on the neighbouring entry:
 *   no precision short of the engine's own float32 keeps a value arbitrarily close to a step on
 *   the same side, so this is not a rounding or sampling difference that could be fixed. Entry i of `gray` is level i, so the gray render of the same
 *   parameters shows where the index moved (by at most one step, asserted per pixel), and a
 *   colour map may then differ by at most its steepest step between neighbouring entries,
 *   D(map) = max over i and channel of |map[i+1] - map[i]| (computed below from the engine's
 *   tables: gray 1, viridis 3, inferno 5, magma 3, plasma 3, cividis 4, hot 4, cool 1, turbo 8,
 *   cubehelix 4, batlow 3). Where the index did not move, the colours agree within 1/255.
 *   The measured worst differences are in test-artifacts/viewer-pixels.json.
 *
 * All combinations are compared in one page.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { apiLogin, apiRegister, ARTIFACTS, PASSWORD, uniqueUser, watchPage } from './helpers';
import { COLORMAP_NAMES, COLORMAP_RGB_HEX, type Colormap } from '../src/features/viewer/engine/colormapData';
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

/** An f16 comparison, with the gray render of the same parameters showing where the index moved. */
interface F16Outcome extends Outcome {
  cmap: string;
  /** Pixels whose 8-bit index float16 rounding moved (the gray renders differ there). */
  moved: number;
  /** The largest gray difference: how far the index moved (1 = one step). */
  grayMax: number;
  /** Pixels beyond 1/255 where the index did not move (must be none). */
  overUnmoved: number;
}

/** D(map): the largest change of any channel between neighbouring entries of the engine's table. */
function steepestStep(name: Colormap): number {
  const hex = COLORMAP_RGB_HEX[name];
  const level = (i: number, c: number) => parseInt(hex.slice(i * 6 + c * 2, i * 6 + c * 2 + 2), 16);
  let d = 0;
  for (let i = 0; i < 255; i++) for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(level(i + 1, c) - level(i, c)));
  return d;
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
  // f16 tiles (the default): each case beside the gray render of the same parameters.
  const f16 = await page.evaluate(
    async ({ cases, tile }) => {
      const dbg = window.__webbscope?.viewerDebug;
      if (!dbg) throw new Error('no viewer debug hooks');
      const out: F16Outcome[] = [];
      for (const [name, p] of cases) {
        const t0 = performance.now();
        const grayP = { ...p, cmap: 'gray' as const };
        const [gl, eng, glGray, engGray] = await Promise.all([
          dbg.renderTile(tile[0], tile[1], tile[2], p, 'f16'),
          dbg.engineTile(tile[0], tile[1], tile[2], p),
          dbg.renderTile(tile[0], tile[1], tile[2], grayP, 'f16'),
          dbg.engineTile(tile[0], tile[1], tile[2], grayP),
        ]);
        if (!gl || !glGray) throw new Error('WebGL renderer unavailable');
        if (gl.width !== eng.width || gl.height !== eng.height || glGray.width !== eng.width) throw new Error(`${name}: sizes differ`);
        let over = 0;
        let maxDiff = 0;
        let moved = 0;
        let grayMax = 0;
        let overUnmoved = 0;
        for (let i = 0; i < gl.rgba.length; i += 4) {
          let worst = 0;
          let grayWorst = 0;
          for (let c = 0; c < 4; c++) {
            worst = Math.max(worst, Math.abs(gl.rgba[i + c] - eng.rgba[i + c]));
            grayWorst = Math.max(grayWorst, Math.abs(glGray.rgba[i + c] - engGray.rgba[i + c]));
          }
          if (worst > 1) over++;
          if (grayWorst > 0) moved++;
          else if (worst > 1) overUnmoved++;
          maxDiff = Math.max(maxDiff, worst);
          grayMax = Math.max(grayMax, grayWorst);
        }
        out.push({ name, cmap: p.cmap, kind: gl.kind, pixels: gl.rgba.length / 4, over, maxDiff, moved, grayMax, overUnmoved, ms: performance.now() - t0 });
      }
      return out;
    },
    { cases, tile },
  );
  const bound = Object.fromEntries(COLORMAP_NAMES.map((n) => [n, steepestStep(n)]));
  writeFileSync(join(ARTIFACTS, 'viewer-pixels.json'), JSON.stringify({ tile, vmin, vmax, outcomes, f16, bound }, null, 2));
  for (const o of outcomes) console.log(`${o.name.padEnd(40)} ${o.kind} ${o.pixels} px, ${o.over} beyond 1/255 (max ${o.maxDiff}), ${o.ms.toFixed(0)} ms`);
  for (const o of f16) console.log(`f16 ${o.name.padEnd(36)} ${o.kind} ${o.moved} px moved one step, ${o.over} beyond 1/255 (max ${o.maxDiff}, bound ${bound[o.cmap]})`);
  for (const o of outcomes) expect(o.over, `${o.name}: pixels differing by more than 1/255`).toBe(0);
  expect(f16.some((o) => o.kind === 'f16'), 'the default tiles were float16').toBe(true);
  for (const o of f16) {
    // Float16 rounding moves the index by at most one step, and only there may colours differ...
    expect(o.grayMax, `f16 ${o.name}: the 8-bit index moved by more than one step`).toBeLessThanOrEqual(1);
    expect(o.overUnmoved, `f16 ${o.name}: pixels beyond 1/255 where the index did not move`).toBe(0);
    // ...by at most the map's steepest step between neighbouring entries (gray and cool: 1/255).
    expect(o.maxDiff, `f16 ${o.name}: worst difference beyond D(${o.cmap}) = ${bound[o.cmap]}`).toBeLessThanOrEqual(bound[o.cmap]);
  }
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
