/**
 * What a keyboard or screen-reader user meets, in headless Chromium against the real stack under
 * the production CSP: axe-core on every page (no serious or critical finding; the core pages, then
 * the analysis, composite, mosaic, search and discovery pages in a realistic state), focus after a page
 * change, the jobs panel and sign-out, live announcements, the viewer's names, narrow screens,
 * and odd images (all NaN, a thin strip, a long target name).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as apiRequest, expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { expectAccessible } from './axe';
import { fitsImage } from './fixtures/fits';
import { apiLogin, apiRegister, PASSWORD, promote, shot, signIn, uniqueUser, watchPage } from './helpers';

const demoFile = (pattern: RegExp) => {
  const dir = process.env.E2E_DEMO_DIR as string;
  const f = readdirSync(dir).find((n) => pattern.test(n));
  if (!f) throw new Error(`no demo file like ${pattern}`);
  return join(dir, f);
};

async function upload(request: APIRequestContext, token: string, name: string, buffer: Buffer): Promise<string> {
  const res = await request.post('/api/records', {
    headers: { Authorization: `Bearer ${token}` },
    multipart: { files: { name, mimeType: 'application/fits', buffer } },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { items: Array<{ record: { id: string } }> }).items[0].record.id;
}

/** A registered user, and a token from an API session of its own (the browser stays signed out). */
async function newUser(page: Page, prefix: string) {
  const user = uniqueUser(prefix);
  await apiRegister(page.request, user);
  const api = await apiRequest.newContext({ baseURL: process.env.E2E_BASE_URL });
  const token = await apiLogin(api, user.username, PASSWORD);
  await api.dispose();
  return { ...user, token };
}

const announced = (page: Page) => page.getByTestId('announcer');

test('a signed-out first load logs no console error', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto('/library');
  await expect(page).toHaveURL(/\/login\?next=%2Flibrary/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.goto('/register');
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('axe: no serious or critical violation on any page', async ({ page }) => {
  const problems = watchPage(page);
  const user = await newUser(page, 'axe');
  const id = await upload(page.request, user.token, 'f090w_i2d.fits', readFileSync(demoFile(/f090w_i2d/)));

  await page.goto('/login');
  await expectAccessible(page, 'sign in');
  await page.goto('/register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'register with errors');

  await signIn(page, user.username);
  await expect(page.getByRole('link', { name: 'f090w_i2d.fits', exact: true })).toBeVisible();
  await expectAccessible(page, 'library (table)');
  await page.getByRole('button', { name: 'Thumbnails' }).click();
  await expectAccessible(page, 'library (thumbnails)');

  await page.goto(`/records/${id}`);
  await expect(page.getByRole('tab', { name: 'Overview' })).toBeVisible();
  await expectAccessible(page, 'record overview');
  await page.getByRole('tab', { name: 'Headers' }).click();
  await expect(page.getByRole('rowheader', { name: 'TELESCOP' })).toBeVisible();
  await expectAccessible(page, 'record headers');
  await page.getByRole('tab', { name: 'Lineage' }).click();
  await expect(page.getByRole('heading', { name: 'Made from' })).toBeVisible();
  await expectAccessible(page, 'record lineage');

  await page.goto(`/viewer/${id}`);
  await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  await expectAccessible(page, 'viewer');

  await page.goto('/archive');
  await page.getByRole('textbox', { name: 'Target' }).fill('NGC 3324');
  await page.getByRole('button', { name: 'Search the archive' }).click();
  await expect(page.getByRole('list', { name: 'Observations' }).getByRole('listitem').first()).toBeVisible({ timeout: 60_000 });
  await expectAccessible(page, 'archive results');

  await page.getByRole('button', { name: /^Jobs/ }).click();
  await expect(page.getByRole('complementary', { name: 'Jobs' })).toBeVisible();
  await expectAccessible(page, 'jobs panel');
  await page.keyboard.press('Escape');

  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  await expectAccessible(page, 'account');

  await page.goto('/nowhere');
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expectAccessible(page, 'not found');

  promote(user.username);
  await page.goto('/admin'); // a fresh load: the refreshed session carries the new role
  await expect(page.getByRole('rowheader', { name: user.username })).toBeVisible();
  await expectAccessible(page, 'admin');
  expect(problems).toEqual([]);
});

/** The file names of the demo products the second axe test uses. */
const CARINA = ['f090w', 'f200w', 'f444w'].map((f) => new RegExp(`^jw02731-o001_.*${f}_i2d\\.fits$`));
const STEPHAN = /^jw02732-o00\d_.*f200w_i2d\.fits$/;
const CATALOGUE_OF = 'jw02731-o001_t017_nircam_clear-f090w';

/** Import one observation's source catalogue from the (offline) archive through the API: a job. */
async function importCatalogue(request: APIRequestContext, token: string): Promise<string> {
  const auth = { Authorization: `Bearer ${token}` };
  const found = await request.post('/api/mast/search', { headers: auth, data: { mode: 'observation', obs_id: CATALOGUE_OF } });
  expect(found.status(), await found.text()).toBe(200);
  const obs = ((await found.json()) as { items: Array<{ obs_id: string; obsid: string }> }).items.find((o) => o.obs_id === CATALOGUE_OF);
  expect(obs, `the archive has ${CATALOGUE_OF}`).toBeTruthy();
  const job = await request.post('/api/mast/import', { headers: auth, data: { obsids: [obs?.obsid], products: [`${CATALOGUE_OF}_cat.ecsv`] } });
  expect(job.status(), await job.text()).toBe(202);
  return ((await job.json()) as { id: string }).id;
}

test('axe: the analysis, composite, mosaic, search and discovery pages', async ({ page }) => {
  test.setTimeout(420_000);
  const problems = watchPage(page);
  const user = await newUser(page, 'axe2');
  const auth = { Authorization: `Bearer ${user.token}` };
  const put = (path: string) => upload(page.request, user.token, path.split('/').pop() as string, readFileSync(path));
  const carina: string[] = [];
  for (const pattern of CARINA) carina.push(await put(demoFile(pattern)));
  const stephan = readdirSync(process.env.E2E_DEMO_DIR as string).filter((n) => STEPHAN.test(n)).sort();
  expect(stephan.length, 'three Stephan’s Quintet pointings in the demo data').toBeGreaterThanOrEqual(3);
  for (const name of stephan) await put(join(process.env.E2E_DEMO_DIR as string, name));
  const x1d = await put(demoFile(/_x1d\.fits$/));
  const cube = await put(demoFile(/_s3d\.fits$/));
  // The catalogue comes from the archive, as it does for a user; it imports while the pages are checked.
  const importJob = await importCatalogue(page.request, user.token);
  await signIn(page, user.username);

  await test.step('search results, with the understood filters as chips', async () => {
    // The search finds the uploads once the library's read model has them (by keyword until the
    // semantic index has them too).
    const query = 'NIRCam images of Carina';
    await expect
      .poll(async () => {
        const res = await page.request.get('/api/search', { headers: auth, params: { q: query } });
        return res.ok() ? ((await res.json()) as { items: unknown[] }).items.length : 0;
      }, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const box = page.getByRole('searchbox', { name: 'Search the library' });
    await box.fill(query);
    await box.press('Enter');
    await expect(page.getByRole('group', { name: 'Filters understood from the query' })).toContainText('Carina');
    await expect(page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first()).toBeVisible({ timeout: 30_000 });
    await expectAccessible(page, 'search results');
  });

  await test.step('discover: the featured targets, a target page and its guided create', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Discover' }).click();
    await expect(page.getByRole('list', { name: 'Featured targets' }).getByRole('listitem').first()).toBeVisible();
    await expectAccessible(page, 'discover');
    await page.getByRole('link', { name: 'Cosmic Cliffs' }).click();
    await expect(page.getByLabel('Archive holdings')).toContainText('NIRCAM', { timeout: 60_000 });
    await expectAccessible(page, 'discover target');
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'NIRCam: classic 3-colour' }) });
    // The guided flow runs on to the finished composite and opens it; its build request is
    // held here so the page stays on the flow while axe reads it.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/composites', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    await card.getByRole('button', { name: 'Make this' }).click();
    const flow = page.getByRole('region', { name: /Making: NIRCam: classic 3-colour/ });
    await expect(flow).toContainText(/\d of 3 channels already in your library/, { timeout: 60_000 });
    await expectAccessible(page, 'discover guided create');
    release();
    // Wait for the held handler to pass the request on before the route goes: unrouting under
    // a running handler hands the request on twice ("Route is already handled").
    await page.unrouteAll({ behavior: 'wait' });
  });

  await test.step('the composite builder with its channels chosen, then a saved composite', async () => {
    await page.goto(`/composites/new?records=${carina.join(',')}`);
    const canvas = page.getByTestId('composite-canvas');
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 90_000 });
    await page.getByText('Why these values?').first().click();
    await expectAccessible(page, 'composite builder');
    await page.getByRole('button', { name: 'Get a shareable link' }).click();
    const link = page.getByRole('link', { name: /\/composites\/[0-9a-f]{32}/ });
    await expect(link).toBeVisible({ timeout: 30_000 });
    await page.goto((await link.getAttribute('href')) ?? '');
    await expect(page.getByTestId('composite-canvas')).toHaveAttribute('data-complete', '1', { timeout: 90_000 });
    await expectAccessible(page, 'saved composite');
  });

  await test.step('the mosaic page with its inputs planned', async () => {
    await page.goto('/mosaics/new');
    await page.getByLabel('Search', { exact: true }).fill('jw02732');
    for (const name of stephan) await page.getByRole('checkbox', { name: new RegExp(name.replace(/\./g, '\\.')) }).check();
    await page.getByRole('button', { name: 'Plan' }).click();
    await expect(page.getByRole('region', { name: 'Plan' }).getByRole('img', { name: /Footprints of \d+ inputs/ })).toBeVisible();
    await expectAccessible(page, 'mosaic plan');
  });

  await test.step('a 1-D spectrum, a cube’s spectrum in the viewer, and the table of a spectrum', async () => {
    await page.goto(`/spectra/${x1d}`);
    const plot = page.getByTestId('spectrum-plot');
    await expect(plot).toBeVisible({ timeout: 30_000 });
    await plot.locator('svg.spectrum__svg').hover();
    await expect(page.getByTestId('spectrum-readout')).toContainText('µm');
    await expectAccessible(page, 'spectrum (x1d)');

    await page.goto(`/viewer/${cube}`);
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.getByRole('tab', { name: 'Spectrum' }).click();
    await expect(page.getByTestId('spectrum-plot')).toBeVisible({ timeout: 30_000 });
    await expectAccessible(page, 'cube spectrum');

    await page.goto(`/tables/${x1d}`);
    await expect(page.getByTestId('hdu-table')).toBeVisible({ timeout: 30_000 });
    await page.getByLabel('Search every header').fill('TELESCOP');
    await expect(page.getByRole('table', { name: 'Matching header cards' })).toContainText('JWST');
    await expectAccessible(page, 'tables (spectrum)');
  });

  await test.step('compare two records', async () => {
    await page.goto(`/compare?ids=${carina[0]},${carina[1]}`);
    await expect(page.getByTestId('compare-pane')).toHaveCount(2);
    await expect(page.getByTestId('compare-lock')).toHaveText('pan and zoom locked by WCS', { timeout: 30_000 });
    await expectAccessible(page, 'compare');
    await page.getByLabel('Overlay').check();
    await expect(page.getByLabel('Opacity of the top image')).toBeVisible();
    await expectAccessible(page, 'compare (overlay)');
  });

  await test.step('a catalogue imported from the archive, as a table', async () => {
    const job = async () => (await (await page.request.get(`/api/jobs/${importJob}`, { headers: auth })).json()) as { status: string; error?: { message: string } };
    await expect.poll(async () => (await job()).status, { timeout: 180_000, intervals: [1000] }).toMatch(/^(succeeded|failed|cancelled)$/);
    const done = await job();
    expect(done.status, done.error?.message).toBe('succeeded');
    const res = await page.request.get('/api/records?product_type=cat&limit=5', { headers: auth });
    const cat = ((await res.json()) as { items: Array<{ id: string; file_name: string }> }).items.find((r) => r.file_name === `${CATALOGUE_OF}_cat.ecsv`);
    expect(cat, 'the import made a catalogue record').toBeTruthy();
    await page.goto(`/tables/${cat?.id}`);
    await expect(page.getByRole('list', { name: 'Columns' }).getByRole('listitem').first()).toBeVisible();
    await expectAccessible(page, 'tables (catalogue)');
  });

  await test.step('the administrators’ search index status', async () => {
    promote(user.username);
    await page.goto('/admin/search'); // a fresh load: the refreshed session carries the new role
    await expect(page.getByLabel('Index status')).toContainText('Records indexed', { timeout: 30_000 });
    await expectAccessible(page, 'admin search index');
  });
  expect(problems).toEqual([]);
});

test('keyboard: a new page takes focus to its heading; the jobs panel and sign-out keep focus', async ({ page }) => {
  const user = await newUser(page, 'keys');
  await signIn(page, user.username);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Archive' }).focus();
  await page.keyboard.press('Enter');
  const archive = page.getByRole('heading', { level: 1, name: 'Archive' });
  await expect(archive).toBeFocused();
  await expect(announced(page)).toContainText('Archive');

  const jobs = page.getByRole('button', { name: /^Jobs/ });
  await jobs.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Jobs' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(jobs).toBeFocused();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Close the jobs panel' }).click();
  await expect(jobs).toBeFocused();

  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeFocused();

  await page.getByRole('button', { name: 'Sign out' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeFocused();
});

test('announcements: upload done and failed, the pinned pixel', async ({ page }) => {
  const user = await newUser(page, 'talk');
  await signIn(page, user.username);
  await page.getByLabel('Choose FITS files to upload').setInputFiles(demoFile(/f200w_i2d/));
  await expect(announced(page)).toContainText(/f200w_i2d\.fits.*(added|already in the library)/i, { timeout: 60_000 });
  await page.getByLabel('Choose FITS files to upload').setInputFiles({ name: 'broken.fits', mimeType: 'application/fits', buffer: Buffer.from('not a FITS file at all') });
  await expect(announced(page)).toContainText(/broken\.fits.*failed/i, { timeout: 30_000 });

  const link = page.getByRole('link', { name: /^View .*f200w_i2d/ });
  await link.click();
  await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  const canvas = page.getByTestId('viewer-canvas');
  await canvas.focus();
  await page.keyboard.press('Enter');
  await expect(announced(page)).toContainText(/Pinned pixel .*RA/, { timeout: 15_000 });
});

test('viewer: the canvas and histogram are named and described, the handles show focus', async ({ page }) => {
  const user = await newUser(page, 'names');
  const id = await upload(page.request, user.token, 'f090w_i2d.fits', readFileSync(demoFile(/f090w_i2d/)));
  await signIn(page, user.username);
  await page.goto(`/viewer/${id}`);
  const image = page.getByTestId('viewer-image');
  await expect(image).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  await expect(image).toHaveAccessibleName(/f090w_i2d\.fits/);
  await expect(image).toHaveAccessibleDescription(/\d+ × \d+ pixels/);
  await expect(page.getByTestId('viewer-canvas')).toHaveAccessibleDescription(/arrow keys/);
  const histogram = page.getByRole('group', { name: /Histogram/ });
  await expect(histogram).toHaveAccessibleDescription(/how many pixels have each value/i);

  const white = page.getByRole('slider', { name: 'White point' });
  await page.getByRole('slider', { name: 'Black point' }).focus();
  await page.keyboard.press('Tab');
  await expect(white).toBeFocused();
  const ring = await white.locator('.histogram__hit').evaluate((el) => {
    const s = getComputedStyle(el);
    return { stroke: s.stroke, width: parseFloat(s.strokeWidth) };
  });
  expect(ring.stroke).not.toBe('none');
  expect(ring.width).toBeGreaterThanOrEqual(2);
  await shot(page, 'a11y-histogram-focus');
});

test('narrow screens: the record and admin pages fit 320 px', async ({ page }) => {
  const user = await newUser(page, 'narrow');
  const id = await upload(page.request, user.token, 'f090w_i2d.fits', readFileSync(demoFile(/f090w_i2d/)));
  promote(user.username);
  await page.setViewportSize({ width: 320, height: 640 });
  await signIn(page, user.username);
  /** How far the page scrolls sideways, and the outermost elements that stick out (to fix). */
  const overflow = () =>
    page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const clipped = (el: Element): boolean => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
      };
      const out: string[] = [];
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.width && r.right > width + 0.5 && !clipped(el)) {
          out.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ').join('.')} → ${Math.round(r.right)}`);
        }
      }
      return { by: document.documentElement.scrollWidth - width, out: out.slice(0, 12) };
    });
  for (const tab of ['Overview', 'Headers', 'Lineage']) {
    await page.goto(`/records/${id}`);
    await page.getByRole('tab', { name: tab }).click();
    await expect(page.getByRole('tabpanel')).toBeVisible();
    await page.waitForLoadState('networkidle');
    const o = await overflow();
    expect(o.by, `record page, ${tab}: ${o.out.join('; ')}`).toBeLessThanOrEqual(0);
  }
  await shot(page, 'a11y-record-320');
  await page.goto('/admin');
  await expect(page.getByRole('rowheader', { name: user.username })).toBeVisible();
  const o = await overflow();
  expect(o.by, `admin page: ${o.out.join('; ')}`).toBeLessThanOrEqual(0);
  await shot(page, 'a11y-admin-320');
});

test('odd images: a long target name, an all-NaN image and a thin strip', async ({ page }) => {
  const user = await newUser(page, 'odd');
  const target = 'AVERYLONGTARGETNAMEFROMASURVEYTHATGOESONANDONANDONWITHOUTABREAK';
  const fileName = 'jw01234-o005_t001_nircam_clear-f150w_i2d.fits';
  await upload(page.request, user.token, fileName, fitsImage(16, 16, (x, y) => x + y, { TARGNAME: target }));
  const nan = await upload(page.request, user.token, 'all_nan.fits', fitsImage(64, 48, () => NaN));
  const strip = await upload(page.request, user.token, 'thin_strip.fits', fitsImage(3000, 1, (x) => Math.sin(x / 50)));
  await signIn(page, user.username);
  const file = page.getByRole('link', { name: fileName, exact: true });
  await expect(file).toBeVisible();
  const row = page.getByRole('row').filter({ has: file });
  await expect(row).toContainText(target);
  const box = await row.getByRole('cell').nth(1).boundingBox();
  expect(box?.width ?? 0, 'the file column keeps its name readable').toBeGreaterThan(150);
  await shot(page, 'a11y-long-target');

  await page.goto(`/viewer/${nan}`);
  await expect(page.getByRole('status').filter({ hasText: /every pixel .* NaN/i })).toBeVisible({ timeout: 30_000 });
  await shot(page, 'a11y-all-nan');

  await page.goto(`/viewer/${strip}`);
  await expect(page.getByRole('status').filter({ hasText: /3000 × 1 pixels/ })).toBeVisible({ timeout: 30_000 });
  await shot(page, 'a11y-thin-strip');
});
