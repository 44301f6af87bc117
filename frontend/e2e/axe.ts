/**
 * axe-core in the page, under the production CSP and offline: the engine's source (the npm package
 * axe-core, no network) is evaluated through the DevTools protocol, which a page's CSP does not
 * govern, then `axe.run` checks the document. Serious and critical findings fail the test.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, type Page } from '@playwright/test';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

declare global {
  interface Window {
    axe?: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> };
  }
}

/** Every serious or critical axe violation on the page as it is now. */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const res = await window.axe!.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Fail with a readable list when the page has a serious or critical violation. The failure is
 * soft: the test goes on to its other pages, so that one run lists every page's findings.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const found = await axeFindings(page);
  const text = found.map((f) => `${f.impact} ${f.id}: ${f.help} — ${f.targets.slice(0, 3).join(', ')}`);
  expect.soft(text, `axe on ${where}`).toEqual([]);
}
