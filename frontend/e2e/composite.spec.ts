/**
 * The composite journey on real (demo) data against the real stack: select four Carina images in
 * the library → build a composite (live WebGL canvas from the engine's aligned channel tiles) →
 * move a slider (redrawn with no request; the time is recorded) → render it at full resolution as
 * a job → open the derived record in the viewer as a colour image → reopen the composite from its
 * shareable link. Screenshots go to test-artifacts/screenshots/ (the user guide uses them);
 * timings to test-artifacts/composite-metrics.json.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { apiLogin, apiRegister, ARTIFACTS, PASSWORD, shot, uniqueUser, watchPage } from './helpers';

const FILTERS = ['f090w', 'f200w', 'f444w', 'f770w'];
const metrics: Record<string, unknown> = {};

function demoFile(filter: string): { name: string; path: string } {
  const dir = process.env.E2E_DEMO_DIR as string;
  const name = readdirSync(dir).find((n) => n.startsWith('jw02731-o00') && n.includes(`${filter}_i2d`));
  if (!name) throw new Error(`no demo file for ${filter}`);
  return { name, path: join(dir, name) };
}

async function redrawAfter(page: Page, action: () => Promise<unknown>): Promise<number> {
  const before = await page.evaluate(() => ((window as unknown as { __webbscope?: { composite?: { redraws: number[] } } }).__webbscope?.composite?.redraws.length ?? 0));
  await action();
  await page.waitForFunction(
    (n) => ((window as unknown as { __webbscope?: { composite?: { redraws: number[] } } }).__webbscope?.composite?.redraws.length ?? 0) > n,
    before,
    { timeout: 30_000 },
  );
  return page.evaluate(() => (window as unknown as { __webbscope: { composite: { redraws: number[] } } }).__webbscope.composite.redraws.at(-1) ?? -1);
}

test('composite: library selection → live builder → slider → export → viewer → reopen from its link', async ({ page }) => {
  const problems = watchPage(page);
  const user = uniqueUser('composer');
  await apiRegister(page.request, user);
  const token = await apiLogin(page.request, user.username, PASSWORD);
  for (const f of FILTERS) {
    const { name, path } = demoFile(f);
    const res = await page.request.post('/api/records', {
      headers: { Authorization: `Bearer ${token}` },
      multipart: { files: { name, mimeType: 'application/fits', buffer: readFileSync(path) } },
    });
    expect(res.status()).toBe(201);
  }
  // apiLogin left the refresh cookie in this browser context: the app restores the session.
  await page.goto('/library');
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();

  await test.step('choose the records in the library', async () => {
    for (const f of FILTERS) await page.getByRole('checkbox', { name: new RegExp(`Select .*${f}_i2d`) }).check();
    await page.getByRole('link', { name: /Make a composite of 4 selected/ }).click();
    await expect(page).toHaveURL(/\/composites\/[0-9a-f]{32}|\/composites\/new/);
  });

  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await test.step('the live canvas, channels in wavelength order', async () => {
    const canvas = page.getByTestId('composite-canvas');
    await expect(canvas).toHaveAttribute('data-renderer', 'webgl2', { timeout: 60_000 });
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 60_000 });
    const channels = page.getByRole('list', { name: /Channels/ }).getByRole('listitem').filter({ has: page.getByRole('strong') });
    await expect(channels).toHaveCount(4);
    await expect(channels.nth(0)).toContainText('F090W');
    await expect(channels.nth(3)).toContainText('F770W');
    await shot(page, 'composite-01-builder');
  });

  await test.step('a slider redraws with no request', async () => {
    const tileRequests = requests.filter((u) => u.includes('/api/composites/')).length;
    const weight = page.getByRole('slider', { name: 'F200W weight' });
    await weight.focus();
    metrics.sliderRedrawMs = await redrawAfter(page, () => weight.press('ArrowRight'));
    metrics.gammaRedrawMs = await redrawAfter(page, () => page.getByRole('slider', { name: 'F444W gamma' }).press('ArrowLeft'));
    metrics.saturationRedrawMs = await redrawAfter(page, () => page.getByRole('slider', { name: 'Saturation' }).press('ArrowRight'));
    expect(requests.filter((u) => u.includes('/api/composites/')).length).toBe(tileRequests);
    await page.getByRole('button', { name: 'Auto-stretch' }).first().click();
    await page.getByText('Why these values?').first().click();
    await expect(page.getByText(/Lupton et al\. 2004/).first()).toBeVisible();
    await shot(page, 'composite-02-adjusted');
  });

  let link = '';
  await test.step('export at full resolution (a job) and get the shareable link', async () => {
    await page.getByRole('button', { name: 'Render full resolution' }).click();
    const job = page.locator('.cexport__job');
    await expect(job).toHaveAttribute('data-status', 'succeeded', { timeout: 180_000 });
    await expect(page.getByRole('link', { name: 'Open the composite’s record' })).toBeVisible();
    link = (await page.getByRole('link', { name: /\/composites\/[0-9a-f]{32}/ }).getAttribute('href')) ?? '';
    expect(link).toMatch(/^\/composites\/[0-9a-f]{32}$/);
    await shot(page, 'composite-03-exported');
  });

  await test.step('the derived record in the viewer, in colour', async () => {
    await page.getByRole('link', { name: 'Open in the viewer' }).click();
    const image = page.getByTestId('viewer-image');
    await expect(image).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    await shot(page, 'composite-04-viewer');
  });

  await test.step('reopen the composite from its link', async () => {
    await page.goto(link);
    const canvas = page.getByTestId('composite-canvas');
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 60_000 });
    await expect(page.getByRole('list', { name: /Channels/ })).toContainText('F444W');
    await shot(page, 'composite-05-reopened');
  });

  await test.step('sharpening and LRGB in the live canvas, crop', async () => {
    const before = requests.filter((u) => u.includes('/api/composites/')).length;
    const sharpen = page.getByRole('slider', { name: /^Sharpen\s*[\d.]*$/ });
    await sharpen.focus();
    metrics.sharpenRedrawMs = await redrawAfter(page, () => sharpen.press('ArrowRight'));
    expect(requests.filter((u) => u.includes('/api/composites/')).length).toBe(before); // drawn by the GPU
    // The luminance channel's tiles are fetched after the change; the canvas may still say
    // complete for its earlier channels when the select returns, so wait for the request itself.
    const luminanceTiles = page.waitForRequest((r) => /\/tiles\/-1\//.test(r.url()), { timeout: 60_000 });
    await page.getByRole('combobox', { name: 'Luminance from' }).selectOption({ label: 'F200W' });
    await luminanceTiles;
    const canvas = page.getByTestId('composite-canvas');
    await expect(canvas).toHaveAttribute('data-renderer', 'webgl2', { timeout: 60_000 });
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 60_000 });
    const lumGamma = page.getByRole('slider', { name: /^Luminance gamma/ });
    await lumGamma.focus();
    metrics.luminanceRedrawMs = await redrawAfter(page, () => lumGamma.press('ArrowRight'));
    await shot(page, 'composite-06-lrgb');
    await page.getByRole('spinbutton', { name: 'Crop width' }).fill('200');
    await page.getByRole('spinbutton', { name: 'Crop height' }).fill('150');
    await page.getByRole('button', { name: 'Apply crop' }).click();
    await expect(page.locator('.composite-size')).toHaveText('200 × 150 px', { timeout: 60_000 });
  });

  await test.step('without WebGL2: the finished RGB tiles on a 2-D canvas', async () => {
    await page.goto(`${link}?renderer=server`);
    const fallback = page.getByTestId('composite-server');
    await expect(fallback).toHaveAttribute('data-complete', '1', { timeout: 90_000 });
    expect(requests.some((u) => /\/api\/composites\/[0-9a-f]{32}\/rgb\/\d+\/\d+\/\d+\.png/.test(u))).toBe(true);
    await shot(page, 'composite-07-fallback');
  });

  expect(problems, 'no CSP violations or page errors').toEqual([]);
  writeFileSync(join(ARTIFACTS, 'composite-metrics.json'), JSON.stringify(metrics, null, 2));
  console.log('composite metrics:', JSON.stringify(metrics));
});
