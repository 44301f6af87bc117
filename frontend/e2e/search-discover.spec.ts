/**
 * Search and discovery in headless Chromium against the real stack: records are uploaded,
 * indexed by the engine's embed jobs (the real model), searched from the header box (chips
 * removed, scores and reasons shown), a similar record opened from the record page; then a
 * featured target's proposal followed through the guided flow with no further click: the plan,
 * the import job with its progress, the composite built from the recipe and rendered (a job),
 * and the finished composite opened (its tiles answered 200, the canvas drawn, the channels blue
 * to red; the render is a library record and its PNG downloads); last, the imported source
 * catalogue opens as a table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { apiLogin, apiRegister, PASSWORD, shot, uniqueUser, watchPage } from './helpers';

const demo = (name: string) => join(process.env.E2E_DEMO_DIR as string, name);
const FILES = [
  'jw02731-o001_t017_nircam_clear-f090w_i2d.fits',
  'jw02731-o002_t017_miri_f770w_i2d.fits',
  'jw02731-o002_t017_miri_f1130w_i2d.fits',
];

test('search by meaning, open a similar record, follow a guided create', async ({ page, request }) => {
  test.setTimeout(900_000);
  let tileLoaded: Promise<unknown> = Promise.resolve();
  const problems = watchPage(page);
  const user = uniqueUser('seeker');
  await apiRegister(request, { ...user, password: PASSWORD });
  const token = await apiLogin(request, user.username, PASSWORD);
  const auth = { Authorization: `Bearer ${token}` };
  const ids: string[] = [];
  for (const name of FILES) {
    const res = await request.post('/api/records', {
      headers: auth,
      multipart: { files: { name, mimeType: 'application/fits', buffer: readFileSync(demo(name)) } },
    });
    expect(res.status(), await res.text()).toBeLessThan(300);
    ids.push((await res.json()).items[0].record.id);
  }

  await test.step('the uploads are indexed (embed jobs, the real model)', async () => {
    await expect
      .poll(
        async () => {
          const res = await request.get('/api/search', {
            headers: auth,
            params: { q: 'mid-infrared dust', mode: 'semantic', owner: 'me' },
            timeout: 120_000,
          });
          const body = await res.json();
          return body.degraded ? 0 : body.items.length;
        },
        { timeout: 300_000, intervals: [2000] },
      )
      .toBe(3);
  });

  await test.step('sign in', async () => {
    await page.goto('/login');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/library/);
  });

  await test.step('search from the header: chips, scores, reasons', async () => {
    const box = page.getByRole('searchbox', { name: 'Search the library' });
    await box.fill('MIRI images of Carina longer than 10 microns');
    await box.press('Enter');
    await expect(page).toHaveURL(/\/search\?q=/);
    const chips = page.getByRole('group', { name: 'Filters understood from the query' });
    await expect(chips).toContainText('Instrument: MIRI');
    await expect(chips).toContainText('Wavelength over 10');
    await expect(chips).toContainText('Near Carina Nebula');
    const results = page.getByRole('list', { name: 'Search results' });
    await expect(results.getByRole('link', { name: FILES[2] })).toBeVisible({ timeout: 30_000 });
    await expect(results.getByRole('link', { name: FILES[1] })).toHaveCount(0);
    await shot(page, '20-search-chips');
    await page.getByRole('button', { name: /Remove filter Wavelength over 10/ }).click();
    await expect(results.getByRole('link', { name: FILES[1] })).toBeVisible();
    await expect(results.getByRole('list', { name: 'Why it matched' }).first()).toContainText(/similar in meaning|matched words/);
    await shot(page, '21-search-chip-removed');
  });

  await test.step('open a result, then a similar record', async () => {
    await page.getByRole('list', { name: 'Search results' }).getByRole('link', { name: FILES[1] }).click();
    await expect(page.getByRole('heading', { name: FILES[1] })).toBeVisible();
    const similar = page.getByRole('region', { name: 'Similar records' });
    await expect(similar.getByRole('link', { name: FILES[2] })).toBeVisible({ timeout: 30_000 });
    await shot(page, '22-record-similar');
    await similar.getByRole('link', { name: FILES[2] }).click();
    await expect(page.getByRole('heading', { name: FILES[2] })).toBeVisible();
  });

  await test.step('discover: a featured target, its holdings and proposals', async () => {
    await page.getByRole('link', { name: 'Discover' }).click();
    await expect(page.getByRole('list', { name: 'Featured targets' }).getByRole('listitem')).toHaveCount(35);
    await shot(page, '23-discover');
    await page.getByRole('link', { name: 'Cosmic Cliffs' }).click();
    await expect(page.getByRole('heading', { name: 'Cosmic Cliffs' })).toBeVisible();
    await expect(page.getByLabel('Archive holdings')).toContainText('NIRCAM', { timeout: 60_000 });
    await expect(page.getByRole('list', { name: 'Proposed composites' }).getByText('Recommended', { exact: true })).toBeVisible();
    await shot(page, '24-target');
  });

  await test.step('guided create: the plan, then the import job with its progress', async () => {
    // The finished composite's first tile (the live canvas's f16 channel tiles, or the RGB
    // fallback), answered 200: the page it opens on draws real pixels.
    tileLoaded = page.waitForResponse(
      (r) => /\/api\/composites\/[0-9a-f]{32}\/(tiles\/-?\d+\/\d+\/\d+\/\d+\.f16|rgb\/\d+\/\d+\/\d+\.png)$/.test(new URL(r.url()).pathname) && r.status() === 200,
      { timeout: 480_000 },
    );
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'NIRCam: classic 3-colour' }) });
    await card.getByRole('button', { name: 'Make this' }).click();
    const flow = page.getByRole('region', { name: /Making: NIRCam: classic 3-colour/ });
    // The F090W image uploaded above is that observation's product: it is already there.
    await expect(flow).toContainText('1 of 3 channels already in your library', { timeout: 60_000 });
    await expect(flow.getByRole('heading', { name: /Check your library/ })).toContainText('(done)');
    await expect(flow.getByRole('progressbar', { name: 'Import progress' })).toBeVisible({ timeout: 60_000 });
    await flow.scrollIntoViewIfNeeded();
    await shot(page, '25-guided-import');
  });

  let compositeId = '';
  await test.step('guided create: built from the recipe, rendered, and opened as the finished composite', async () => {
    // No click: the flow goes on by itself (import, build, render) and opens the composite.
    await page.waitForURL(/\/composites\/[0-9a-f]{32}$/, { timeout: 480_000 });
    compositeId = new URL(page.url()).pathname.split('/').pop() as string;
    await tileLoaded;
    const canvas = page.getByTestId('composite-canvas');
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 120_000 });
    const channels = page.getByRole('list', { name: /Channels/ }).getByRole('listitem').filter({ has: page.getByRole('strong') });
    await expect(channels).toHaveCount(3);
    await expect(channels.nth(0)).toContainText('F090W');
    await expect(channels.nth(2)).toContainText('F444W');
    await shot(page, '26-guided-composite');
  });

  await test.step('the finished image: the render job saved it as a library record, its PNG downloads', async () => {
    const res = await request.get(`/api/composites/${compositeId}`, { headers: auth });
    expect(res.status()).toBe(200);
    const composite = (await res.json()) as { name: string | null; record_id: string | null; renders: Array<{ record_id: string | null; formats: string[] }> };
    expect(composite.name).toBe('Cosmic Cliffs: NIRCam: classic 3-colour');
    const recordId = composite.renders.at(-1)?.record_id;
    expect(recordId, 'the guided flow rendered the composite').toBeTruthy();
    const record = await request.get(`/api/records/${recordId}`, { headers: auth });
    expect(record.status()).toBe(200);
    expect((await record.json()).source).toBe('derived');
    const png = await request.get(`/api/composites/${compositeId}/download.png`, { headers: auth });
    expect(png.status()).toBe(200);
    expect(png.headers()['content-type']).toBe('image/png');
    expect([...(await png.body()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  await test.step('the imported source catalogue: a table record, opened as a table (not in the viewer)', async () => {
    const res = await request.get('/api/records?product_type=cat&limit=5', { headers: auth });
    expect(res.status()).toBe(200);
    const cat = ((await res.json()) as { items: Array<{ id: string; file_name: string }> }).items.find((r) => r.file_name.endsWith('_cat.ecsv'));
    expect(cat, 'the guided import brought the recommended source catalogue').toBeTruthy();
    await page.goto(`/records/${cat?.id}`);
    await expect(page.getByRole('heading', { name: cat?.file_name })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Open in viewer' })).toHaveCount(0);
    await page.getByRole('link', { name: 'Open table' }).click();
    await expect(page.getByRole('heading', { name: 'Catalogue (ECSV)' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Columns' }).getByRole('listitem').first()).toBeVisible();
  });

  expect(problems, 'no CSP violations or page errors').toEqual([]);
});
