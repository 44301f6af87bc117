/**
 * The mosaic journey on real (demo) data against the real stack: upload the three overlapping
 * Stephan's Quintet F200W pointings → choose them on the mosaic page with the library's filters →
 * read the plan (size, memory, time) and the footprints on the sky map → make the mosaic as a
 * job, with progress → open the derived record. Screenshots go to test-artifacts/screenshots/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { apiLogin, apiRegister, PASSWORD, shot, uniqueUser, watchPage } from './helpers';

function pointings(): Array<{ name: string; path: string }> {
  const dir = process.env.E2E_DEMO_DIR as string;
  const names = readdirSync(dir).filter((n) => n.startsWith('jw02732-o00') && n.includes('f200w_i2d'));
  if (names.length < 3) throw new Error('no Stephan’s Quintet pointings in the demo data');
  return names.sort().map((name) => ({ name, path: join(dir, name) }));
}

test('mosaic: choose pointings → plan with footprints → run with progress → open the record', async ({ page }) => {
  const problems = watchPage(page);
  const user = uniqueUser('mosaicker');
  await apiRegister(page.request, user);
  const token = await apiLogin(page.request, user.username, PASSWORD);
  const files = pointings();
  for (const { name, path } of files) {
    const res = await page.request.post('/api/records', {
      headers: { Authorization: `Bearer ${token}` },
      multipart: { files: { name, mimeType: 'application/fits', buffer: readFileSync(path) } },
    });
    expect(res.status()).toBe(201);
  }
  await page.goto('/mosaics/new');
  await expect(page.getByRole('heading', { name: 'Mosaic', level: 1 })).toBeVisible();

  await test.step('choose the pointings with the library filters', async () => {
    await page.getByLabel('Search', { exact: true }).fill('jw02732');
    await page.getByLabel('Filter', { exact: true }).fill('F200W');
    for (const { name } of files) await page.getByRole('checkbox', { name: new RegExp(name.replace(/\./g, '\\.')) }).check();
    await expect(page.getByText(`${files.length} chosen`)).toBeVisible();
  });

  await test.step('the plan: size, memory, time and the footprints on the sky', async () => {
    await page.getByRole('button', { name: 'Plan' }).click();
    const plan = page.getByRole('region', { name: 'Plan' });
    await expect(plan.getByText(/Mpx/)).toBeVisible();
    await expect(plan.getByText(/about .* s/)).toBeVisible();
    await expect(plan.getByRole('img', { name: `Footprints of ${files.length} inputs on the sky` })).toBeVisible();
    await expect(plan.locator('svg polygon')).toHaveCount(files.length + 1);
    await shot(page, 'mosaic-plan');
  });

  await test.step('run it as a job with progress, then open the result', async () => {
    await page.getByRole('button', { name: 'Make mosaic' }).click();
    const run = page.getByRole('region', { name: 'Run' });
    await expect(run.getByRole('progressbar', { name: 'Mosaic progress' })).toBeVisible();
    const open = run.getByRole('link', { name: 'Open the mosaic' });
    await expect(open).toBeVisible({ timeout: 120_000 });
    await shot(page, 'mosaic-done');
    await open.click();
    await expect(page).toHaveURL(/\/records\/[0-9a-f]{24}/);
    await expect(page.getByText(/mosaic_[0-9a-f]{12}\.fits/).first()).toBeVisible();
  });

  await test.step('the viewer draws the input footprints over the mosaic', async () => {
    await page.getByRole('link', { name: 'Open in viewer' }).click();
    await expect(page).toHaveURL(/\/viewer\/[0-9a-f]{24}/);
    const footprints = page.getByRole('checkbox', { name: `Input footprints (${files.length})` });
    await expect(footprints).toBeChecked();
    await expect(page.getByTestId('viewer-image')).toBeVisible();
    await shot(page, 'mosaic-viewer-footprints');
    await footprints.uncheck();
    await expect(footprints).not.toBeChecked();
  });
  expect(problems).toEqual([]);
});
