/**
 * Analysis in the viewer, in headless Chromium against the real stack: draw a region and read
 * its statistics, run source detection and open the catalogue table (linked to the markers),
 * draw contours, annotate with a ruler, follow a cube's display limits from plane to plane, plot
 * a cube's spectrum from a clicked spaxel, open an x1d spectrum and a table HDU, and compare two
 * records (locked by WCS, blink, overlay).
 * Screenshots go to test-artifacts/screenshots/analysis-*.png.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { apiLogin, apiRegister, PASSWORD, shot, uniqueUser, watchPage } from './helpers';

const demoDir = () => process.env.E2E_DEMO_DIR as string;
const demoFile = (pattern: RegExp) => {
  const f = readdirSync(demoDir()).find((n) => pattern.test(n));
  if (!f) throw new Error(`no demo file like ${pattern}`);
  return join(demoDir(), f);
};

async function upload(page: Page, token: string, pattern: RegExp): Promise<string> {
  const path = demoFile(pattern);
  const res = await page.request.post('/api/records', {
    headers: { Authorization: `Bearer ${token}` },
    multipart: { files: { name: path.split('/').pop() as string, mimeType: 'application/fits', buffer: readFileSync(path) } },
  });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { items: Array<{ record: { id: string } }> }).items[0].record.id;
}

async function dragOnCanvas(page: Page, from: [number, number], to: [number, number]) {
  const box = await page.getByTestId('viewer-canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx + from[0], cy + from[1]);
  await page.mouse.down();
  await page.mouse.move(cx + to[0], cy + to[1], { steps: 6 });
  await page.mouse.up();
}

test('analysis: region → detection → catalogue → contours → annotation → cube spectrum → x1d → tables → compare', async ({ page }) => {
  const problems = watchPage(page);
  const user = uniqueUser('analyst');
  await apiRegister(page.request, user);
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/library/);
  const token = await apiLogin(page.request, user.username, PASSWORD);
  const image = await upload(page, token, /f090w_i2d/);
  const second = await upload(page, token, /f200w_i2d/);
  const cube = await upload(page, token, /_s3d\.fits$/);
  const x1d = await upload(page, token, /_x1d\.fits$/);

  await test.step('draw a region and read its statistics', async () => {
    await page.goto(`/viewer/${image}`);
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    await page.getByRole('group', { name: 'Region tools' }).getByRole('button', { name: 'Circle' }).click();
    await dragOnCanvas(page, [0, 0], [40, 10]);
    const stats = page.getByTestId('region-stats');
    await expect(stats).toBeVisible({ timeout: 20_000 });
    await expect(stats.locator('[data-field="Pixels"]')).not.toHaveText('0');
    await expect(stats.locator('[data-field="Flux density"]')).toContainText('Jy');
    await expect(page.getByRole('list', { name: 'Regions' }).getByRole('listitem')).toHaveCount(1);
    // the keyboard nudges the selected region
    const before = await page.getByRole('list', { name: 'Regions' }).textContent();
    await page.getByTestId('viewer-canvas').focus();
    await page.keyboard.press('Shift+ArrowRight');
    await expect(page.getByRole('list', { name: 'Regions' })).not.toHaveText(before ?? '');
    await shot(page, 'analysis-01-region');
  });

  await test.step('run detection and open the catalogue table', async () => {
    await page.getByRole('tab', { name: 'Sources' }).click();
    await page.getByLabel('Method').selectOption('segmentation');
    await page.getByRole('button', { name: 'Detect sources' }).click();
    await expect(page.getByTestId('detect-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Open the catalogue table' }).click();
    const table = page.getByTestId('catalogue-table');
    await expect(table).toBeVisible();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    await rows.first().click();
    await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
    await shot(page, 'analysis-02-catalogue');
    // Reopened, the viewer finds the record's newest detection again (markers and table).
    const summary = await page.getByText(/\d+ sources on the image/).textContent();
    await page.reload();
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    await page.getByRole('tab', { name: 'Sources' }).click();
    await expect(page.getByText(/\d+ sources on the image/)).toHaveText(summary ?? 'missing');
  });

  await test.step('draw contours', async () => {
    await page.getByRole('tab', { name: 'Contours' }).click();
    await page.getByLabel('Number of levels').fill('5');
    await page.getByRole('button', { name: 'Draw contours' }).click();
    await expect(page.getByTestId('contour-status')).toContainText('5 levels');
    // contours of the other image of this field, chosen from the records that cover it
    const of = page.getByLabel('Contours of');
    await expect(of.locator('option', { hasText: /f200w_i2d/ })).toHaveCount(1, { timeout: 20_000 });
    await of.selectOption({ label: (await of.locator('option', { hasText: /f200w_i2d/ }).textContent()) ?? '' });
    await page.getByRole('button', { name: 'Draw contours' }).click();
    await expect(page.getByTestId('contour-status')).toContainText(/5 levels, \d+ lines of .*f200w_i2d/);
  });

  await test.step('annotate with a ruler', async () => {
    await page.getByRole('tab', { name: 'Notes' }).click();
    await page.getByRole('button', { name: 'Ruler' }).click();
    await dragOnCanvas(page, [-120, 120], [60, 120]);
    await expect(page.getByRole('list', { name: 'Annotations' })).toContainText(/ruler — [\d.]+″/);
    await shot(page, 'analysis-03-annotated');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG with annotations' }).click();
    expect((await download).suggestedFilename()).toMatch(/_annotated\.png$/);
  });

  await test.step('the annotation shows on another record of the same field', async () => {
    await page.goto(`/viewer/${second}`);
    await page.getByRole('tab', { name: 'Notes' }).click();
    await expect(page.getByRole('list', { name: 'Annotations' })).toContainText('(from another record)');
  });

  await test.step("a cube's display limits come from the shown plane", async () => {
    // The default interval (99.5%) is the plane's 0.25 and 99.75 percentiles, as the fields show
    // them; moving the slice asks for that plane's statistics and the limits follow.
    const planeStats = (k: number) =>
      page.waitForResponse((r) => r.url().includes(`/api/records/${cube}/plane-stats`) && new URL(r.url()).searchParams.get('slice') === String(k) && r.ok());
    const shown = (v: number) => String(Number(v.toPrecision(7)));
    type Stats = { slice: number; stats: { percentiles: Record<string, number> } };
    const firstPlane = planeStats(0);
    await page.goto(`/viewer/${cube}`);
    const first = (await (await firstPlane).json()) as Stats;
    const minimum = page.getByLabel('Minimum', { exact: true });
    const maximum = page.getByLabel('Maximum', { exact: true });
    await expect(minimum).toHaveValue(shown(first.stats.percentiles['0.25']));
    await expect(maximum).toHaveValue(shown(first.stats.percentiles['99.75']));
    const slider = page.locator('#v-slice');
    const last = Number(await slider.getAttribute('max'));
    expect(last).toBeGreaterThan(0);
    const lastPlane = planeStats(last);
    await slider.press('End'); // the last plane
    const other = (await (await lastPlane).json()) as Stats;
    expect(other.slice).toBe(last);
    expect(other.stats.percentiles['99.75']).not.toBe(first.stats.percentiles['99.75']);
    await expect(minimum).toHaveValue(shown(other.stats.percentiles['0.25']));
    await expect(maximum).toHaveValue(shown(other.stats.percentiles['99.75']));
  });

  await test.step("plot a cube's spectrum", async () => {
    await page.goto(`/viewer/${cube}`);
    await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.getByRole('tab', { name: 'Spectrum' }).click();
    const plot = page.getByTestId('spectrum-plot');
    await expect(plot).toBeVisible({ timeout: 20_000 });
    await plot.locator('svg').hover();
    await expect(page.getByTestId('spectrum-readout')).toContainText('µm');
    await shot(page, 'analysis-04-cube-spectrum');
  });

  await test.step('open an x1d spectrum and its table', async () => {
    await page.goto(`/records/${x1d}`);
    await page.getByRole('link', { name: 'Open spectrum' }).click();
    await expect(page.getByTestId('spectrum-plot')).toBeVisible();
    await page.getByLabel('Redshift z').fill('0.01');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect(page.getByRole('button', { name: 'Reset zoom' })).toBeEnabled();
    await shot(page, 'analysis-05-x1d');
    await page.getByRole('link', { name: 'Tables' }).click();
    const table = page.getByTestId('hdu-table');
    await expect(table).toBeVisible();
    await table.getByRole('button', { name: 'FLUX', exact: true }).click();
    await expect(table.getByRole('columnheader', { name: /FLUX \(Jy\)/ }).first()).toHaveAttribute('aria-sort', 'ascending');
    await page.getByLabel('Search every header').fill('TELESCOP');
    await expect(page.getByRole('table', { name: 'Matching header cards' })).toContainText('JWST');
    await shot(page, 'analysis-06-tables');
  });

  await test.step('compare two records', async () => {
    await page.goto(`/compare?ids=${image},${second}`);
    await expect(page.getByTestId('compare-pane')).toHaveCount(2);
    await expect(page.getByTestId('compare-lock')).toHaveText('pan and zoom locked by WCS', { timeout: 20_000 });
    const panes = page.getByTestId('compare-pane');
    const zoomOf = (i: number) => panes.nth(i).getAttribute('data-zoom');
    const initial = await zoomOf(0);
    await panes.nth(0).getByTestId('viewer-canvas').focus();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    // the other pane follows (the two images share their pixel scale, so their zooms match)
    await expect.poll(async () => (await zoomOf(0)) !== initial && (await zoomOf(1)) === (await zoomOf(0))).toBe(true);
    await shot(page, 'analysis-07-compare');
    await page.getByLabel('Blink').check();
    await expect(panes.nth(1)).toBeHidden({ timeout: 5_000 });
    await expect(panes.nth(1)).toBeVisible({ timeout: 5_000 });
    await page.getByLabel('Overlay').check();
    await page.getByLabel('Opacity of the top image').focus();
    await page.keyboard.press('ArrowLeft');
    await shot(page, 'analysis-08-overlay');
  });

  expect(problems, 'no CSP violations or page errors').toEqual([]);
});
