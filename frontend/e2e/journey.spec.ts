/**
 * The main journey, in headless Chromium against the real stack (global-setup.ts): register →
 * sign in → search the archive → import a level-3 image with its source catalogue and
 * segmentation map from the Products panel and watch its progress → see the catalogue's lineage →
 * open the image in the viewer → change the stretch and colour map → read a pixel's RA/Dec → upload a FITS file →
 * tag it in the library → plan and make a mosaic of three pointings, open it in the viewer with its input footprints →
 * (admin page) → sign out. A screenshot of each page goes to
 * test-artifacts/screenshots/; timings go to test-artifacts/e2e-metrics.json.
 *
 * Steps that cannot run are reported loudly (markPending) at call sites marked
 * `E2E-PENDING(<area>)`: delete those guards once the endpoints land.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { apiLogin, ARTIFACTS, markPending, PASSWORD, shot, uniqueUser, watchPage } from './helpers';
import { REPO_DIR } from './stack';

const demoDir = () => process.env.E2E_DEMO_DIR as string;
const demoFile = (pattern: RegExp) => {
  const f = readdirSync(demoDir()).find((n) => pattern.test(n));
  if (!f) throw new Error(`no demo file like ${pattern}`);
  return join(demoDir(), f);
};

const metrics: Record<string, unknown> = {};

async function latencyAfter(page: Page, action: () => Promise<unknown>): Promise<number> {
  const before = await page.evaluate(() => window.__webbscope?.viewer?.stretchLatencies.length ?? 0);
  await action();
  await page.waitForFunction((n) => (window.__webbscope?.viewer?.stretchLatencies.length ?? 0) > n, before, { timeout: 30_000 });
  return page.evaluate(() => window.__webbscope?.viewer?.stretchLatencies.at(-1) ?? -1);
}

test('journey: register → archive → import → viewer → upload → tag → sign out', async ({ page }, testInfo) => {
  const problems = watchPage(page);
  const user = uniqueUser('astro');
  let token = '';
  let viewerRecordId: string | null = null;

  const tls = testInfo.project.name === 'tls';
  await test.step('register', async () => {
    const shell = await page.goto('/register');
    if (tls) {
      // The production front door: HSTS and the CSP with the secure WebSocket source.
      const headers = shell?.headers() ?? {};
      expect(headers['strict-transport-security']).toContain('max-age=31536000');
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['content-security-policy']).toMatch(/connect-src 'self' wss:\/\//);
    }
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Display name (optional)').fill('Journey Tester');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await shot(page, '01-register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/login\?registered=1/);
  });

  await test.step('sign in', async () => {
    await expect(page.getByLabel('Username or email')).toHaveValue(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot(page, '02-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/library/);
    await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
    token = await apiLogin(page.request, user.username, PASSWORD);
  });

  await test.step('library usable time (cold load, session restored from the refresh cookie)', async () => {
    const t0 = Date.now();
    await page.goto('/library');
    await page.waitForFunction(() => performance.getEntriesByName('library-usable').length > 0);
    const usable = await page.evaluate(() => performance.getEntriesByName('library-usable')[0].startTime);
    metrics.libraryUsableMs = Math.round(usable);
    metrics.libraryWallMs = Date.now() - t0;
    await shot(page, '03-library-empty');
  });

  let imported = false;
  const IMAGING = 'jw02731-o001_t017_nircam_clear-f090w';
  await test.step('search the archive for a target', async () => {
    expect(process.env.E2E_OFFLINE_ARCHIVE, 'the harness runs `webbscope up --offline-archive`').toBe('1');
    await page.goto('/archive');
    const searches: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/mast/search')) searches.push(r.method());
    });
    await page.getByRole('textbox', { name: 'Target' }).fill('NGC 3324');
    await page.getByRole('button', { name: 'Search the archive' }).click();
    await expect(page.getByRole('list', { name: 'Observations' }).getByRole('listitem').first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('button', { name: 'Search the archive' })).toBeEnabled();
    expect(searches, 'one click sends one search').toEqual(['POST']);
    await shot(page, '04-archive-results');

    await test.step('import a level-3 image with its catalogue from the Products panel', async () => {
      const opener = page.getByRole('button', { name: `Products of ${IMAGING}`, exact: true });
      await opener.click();
      // The panel opens right after its card, announced by focus on its heading.
      const heading = page.getByRole('heading', { name: `Products of ${IMAGING}` });
      await expect(heading).toBeFocused();
      await expect(heading).toBeInViewport();
      await expect(opener).toHaveAttribute('aria-expanded', 'true');
      for (const suffix of ['i2d.fits', 'cat.ecsv', 'segm.fits']) {
        await expect(page.getByRole('checkbox', { name: `Import ${IMAGING}_${suffix}` })).toBeChecked({ timeout: 60_000 });
      }
      const importButton = page.getByRole('button', { name: /^Import 3 files/ });
      await expect(importButton).toBeEnabled();
      await shot(page, '05-archive-products');
      await importButton.click();
      const panel = page.getByRole('complementary', { name: 'Jobs' });
      await expect(panel).toBeVisible();
      const job = panel.locator('li.job.is-focused');
      await expect(job).toBeVisible({ timeout: 30_000 });
      await shot(page, '06-import-progress');
      await expect(job).toHaveAttribute('data-status', 'succeeded', { timeout: 180_000 });
      await shot(page, '07-import-done');
      await page.keyboard.press('Escape');
      imported = true;
    });

    await test.step('the catalogue is a record made from its image', async () => {
      await page.goto('/library');
      await page.getByRole('link', { name: `${IMAGING}_cat.ecsv`, exact: true }).click();
      await expect(page.getByRole('tab', { name: 'Overview' })).toBeVisible();
      await page.getByRole('tab', { name: 'Lineage' }).click();
      // In the Lineage panel: once the semantic index has the records, 'Similar records' lists the image too.
      const lineage = page.getByRole('tabpanel', { name: 'Lineage' });
      await expect(lineage.getByRole('link', { name: `${IMAGING}_i2d.fits`, exact: true })).toBeVisible();
      await shot(page, '07b-catalogue-lineage');
    });
  });

  await test.step('open an image in the viewer', async () => {
    if (imported) {
      await page.goto('/library');
      await page.getByRole('button', { name: 'Thumbnails' }).click();
      const first = page.getByRole('list', { name: 'Records' }).getByRole('link', { name: `View ${IMAGING}_i2d.fits` });
      await expect(first).toBeVisible();
      viewerRecordId = ((await first.getAttribute('href')) ?? '').split('/').pop() ?? null;
    } else {
      // Without an import, an uploaded demo image stands in (through the API, not the UI).
      const res = await page.request.post('/api/records', {
        headers: { Authorization: `Bearer ${token}` },
        multipart: { files: { name: 'f090w_i2d.fits', mimeType: 'application/fits', buffer: (await import('node:fs')).readFileSync(demoFile(/f090w_i2d/)) } },
      });
      expect(res.status()).toBe(201);
      viewerRecordId = ((await res.json()) as { items: Array<{ record: { id: string } }> }).items[0].record.id;
    }
    expect(viewerRecordId).toBeTruthy();
    await page.goto(`/records/${viewerRecordId}`);
    await expect(page.getByRole('tab', { name: 'Overview' })).toBeVisible();
    await shot(page, '08-record');
    await page.getByRole('tab', { name: 'Headers' }).click();
    await expect(page.getByRole('rowheader', { name: 'TELESCOP' })).toBeVisible();
    await page.getByRole('link', { name: 'Open in viewer' }).click();
    await expect(page).toHaveURL(new RegExp(`/viewer/${viewerRecordId}`));
  });

  await test.step('change the stretch and colour map', async () => {
    const canvas = page.getByTestId('viewer-image');
    await expect(canvas).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    await shot(page, '09-viewer');
    metrics.renderer = await canvas.getAttribute('data-renderer');
    // The real path: WebGL2 drew the real imported image's float tiles.
    expect(metrics.renderer, tls ? 'WebGL under the production CSP' : 'WebGL2').toBe('webgl2');
    expect(await page.evaluate(() => window.__webbscope?.viewer?.renderer)).toBe('webgl2');
    expect(await page.evaluate(() => window.__webbscope?.viewer?.tilesLoaded ?? 0)).toBeGreaterThan(0);
    // A stretch or colour-map change redraws the tiles already on the GPU: no tile request.
    const tileRequests: string[] = [];
    const onRequest = (r: { url: () => string }) => {
      if (/\/tiles\//.test(r.url())) tileRequests.push(r.url());
    };
    page.on('request', onRequest);
    metrics.stretchChangeMs = await latencyAfter(page, () => page.getByLabel('Stretch').selectOption('sqrt'));
    metrics.colourMapChangeMs = await latencyAfter(page, () => page.getByLabel('Colour map').selectOption('inferno'));
    await page.waitForTimeout(300);
    page.off('request', onRequest);
    expect(tileRequests, 'tiles requested by a stretch / colour-map change').toEqual([]);
    // Timings are recorded (test-artifacts/e2e-metrics.json), not asserted: speed is not a
    // pass/fail condition of a test on a shared machine.
    await shot(page, '10-viewer-inferno');
  });

  await test.step("read a pixel's RA/Dec", async () => {
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const pinned = page.getByTestId('readout-pinned');
    await expect(pinned.locator('[data-field="ra"]')).not.toHaveText('…', { timeout: 15_000 });
    await expect(pinned.locator('[data-field="dec"]')).not.toHaveText('…');
    // Sexagesimal, and the sky position of the pixel shown (the engine's WCS at that pixel).
    const ra = (await pinned.locator('[data-field="ra"]').textContent()) ?? '';
    const dec = (await pinned.locator('[data-field="dec"]').textContent()) ?? '';
    expect(ra).toMatch(/^\d{2}[h:]\d{2}[m:]\d{2}(\.\d+)?s?$/);
    expect(dec).toMatch(/^[+-]\d{2}[°:]\d{2}[′:]\d{2}(\.\d+)?″?$/);
    const xy = ((await pinned.locator('dd').first().textContent()) ?? '').split(',').map((t) => Number(t.trim()));
    expect(xy.every(Number.isFinite)).toBe(true);
    const known = await page.request.get(`/api/records/${viewerRecordId}/pixel?x=${xy[0]}&y=${xy[1]}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(known.ok()).toBe(true);
    const sky = (await known.json()) as { ra_str?: string | null; dec_str?: string | null; ra: number; dec: number };
    const hms = (s: string) => s.replace(/[hm:]/g, ' ').replace('s', '').trim().split(/\s+/).map(Number);
    const [h1, m1, s1] = hms(ra);
    expect(Math.abs((h1 * 3600 + m1 * 60 + s1) * 15 - sky.ra * 3600)).toBeLessThan(1); // arcsec
    metrics.pixel = { ra: await pinned.locator('[data-field="ra"]').textContent(), dec: await pinned.locator('[data-field="dec"]').textContent() };
    await shot(page, '11-viewer-pixel');
  });

  const uploadName = 'jw02731-o001_t017_nircam_clear-f200w_i2d.fits';
  await test.step('upload a FITS file', async () => {
    await page.goto('/library');
    await page.getByLabel('Choose FITS files to upload').setInputFiles(demoFile(/f200w_i2d/));
    const item = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: uploadName });
    await expect(item).toContainText(/Added|Already in the library/, { timeout: 60_000 });
    await expect(page.getByRole('link', { name: uploadName, exact: true })).toBeVisible();
    await shot(page, '12-library-uploaded');
  });

  await test.step('tag it in the library', async () => {
    await page.getByRole('checkbox', { name: `Select ${uploadName}` }).check();
    await page.getByLabel('Tags (comma separated)').fill('pillars, journey');
    await page.getByRole('button', { name: 'Add tags' }).click();
    await expect(page.locator('.toaster').getByText('Tagged 1 record')).toBeVisible();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: uploadName, exact: true }) });
    await expect(row.getByRole('list', { name: 'Tags' })).toContainText('pillars');
    await page.getByRole('textbox', { name: 'Tags', exact: true }).fill('pillars');
    await page.getByRole('textbox', { name: 'Tags', exact: true }).press('Enter');
    await expect(page).toHaveURL(/tags=pillars/);
    await expect(page.getByRole('link', { name: uploadName, exact: true })).toBeVisible();
    await shot(page, '13-library-tagged');
  });

  await test.step('plan and make a mosaic, open it with its input footprints', async () => {
    // Stephan's Quintet F200W pointings of the demo data (through the API: the upload UI is covered above).
    const names = readdirSync(demoDir())
      .filter((n) => n.startsWith('jw02732-o00') && n.includes('f200w_i2d'))
      .sort();
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const res = await page.request.post('/api/records', {
        headers: { Authorization: `Bearer ${token}` },
        multipart: { files: { name, mimeType: 'application/fits', buffer: readFileSync(join(demoDir(), name)) } },
      });
      expect([200, 201]).toContain(res.status());
    }
    await page.goto('/mosaics/new');
    await expect(page.getByRole('heading', { name: 'Mosaic', level: 1 })).toBeVisible();
    await page.getByLabel('Search', { exact: true }).fill('jw02732');
    await page.getByLabel('Filter', { exact: true }).fill('F200W');
    for (const name of names) await page.getByRole('checkbox', { name: new RegExp(name.replace(/\./g, '\\.')) }).check();
    await expect(page.getByText(`${names.length} chosen`)).toBeVisible();
    await page.getByRole('button', { name: 'Plan' }).click();
    const plan = page.getByRole('region', { name: 'Plan' });
    await expect(plan.getByText(/Mpx/)).toBeVisible();
    await expect(plan.getByRole('img', { name: `Footprints of ${names.length} inputs on the sky` })).toBeVisible();
    await shot(page, '13b-mosaic-plan');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Make mosaic' }).click();
    const run = page.getByRole('region', { name: 'Run' });
    const open = run.getByRole('link', { name: 'Open the mosaic' });
    await expect(open).toBeVisible({ timeout: 120_000 });
    metrics.mosaic_ms = Date.now() - t0;
    await open.click();
    await expect(page).toHaveURL(/\/records\/[0-9a-f]{24}/);
    await page.getByRole('link', { name: 'Open in viewer' }).click();
    await expect(page).toHaveURL(/\/viewer\/[0-9a-f]{24}/);
    const footprints = page.getByRole('checkbox', { name: `Input footprints (${names.length})` });
    await expect(footprints).toBeChecked();
    await expect(page.getByTestId('viewer-image')).toBeVisible();
    await shot(page, '13c-mosaic-viewer-footprints');
    await page.goto('/library'); // the next steps start from the library
    await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  });

  await test.step('jobs panel from any page (live over the hub), thumbnails from the jobs', async () => {
    await page.getByRole('button', { name: /^Jobs/ }).click();
    const panel = page.getByRole('complementary', { name: 'Jobs' });
    await expect(panel).toBeVisible();
    await expect(panel.getByText('live')).toBeVisible({ timeout: 20_000 });
    await expect(panel.locator('li.job[data-status="succeeded"]').first()).toBeVisible({ timeout: 60_000 });
    await shot(page, '14-jobs-panel');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Thumbnails' }).click();
    // The import's image and segmentation map are thumbnailed first (two compute jobs at once).
    await expect(page.getByRole('list', { name: 'Records' }).locator('img.thumb__img').first()).toBeVisible({ timeout: 120_000 });
    await shot(page, '14b-library-thumbnails');
  });

  await test.step('administration (the user promoted with `webbscope admin promote`)', async () => {
    const res = spawnSync(join(REPO_DIR, '.venv/bin/webbscope'), ['admin', 'promote', user.username], {
      cwd: REPO_DIR,
      encoding: 'utf8',
      // The stack runs in development (`webbscope up` sets it); without it the command would apply
      // production rules and refuse the built-in secrets.
      env: { ...process.env, WEBBSCOPE_ENV: process.env.WEBBSCOPE_ENV || 'development', MONGODB_URI: process.env.E2E_MONGODB_URI },
    });
    if (res.status !== 0) {
      markPending(testInfo, 'admin page', `could not promote the user: ${res.stderr.trim().slice(0, 200)}`);
      return;
    }
    await page.goto('/admin');
    await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
    await expect(page.getByRole('rowheader', { name: user.username })).toBeVisible();
    await shot(page, '15-admin');
  });

  await test.step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/library');
    await expect(page).toHaveURL(/\/login\?next=%2Flibrary/); // the refresh cookie is gone
    await shot(page, '16-signed-out');
  });

  expect(problems, 'no CSP violations or page errors').toEqual([]);
  writeFileSync(join(ARTIFACTS, tls ? 'e2e-metrics-tls.json' : 'e2e-metrics.json'), JSON.stringify({ ...metrics, pending: testInfo.annotations.filter((a) => a.type === 'E2E-PENDING').map((a) => a.description) }, null, 2));
  console.log('e2e metrics:', JSON.stringify(metrics));
});
