/**
 * What a keyboard or screen-reader user meets, in headless Chromium against the real stack under
 * the production CSP: axe-core on every page (no serious or critical finding), focus after a page
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
