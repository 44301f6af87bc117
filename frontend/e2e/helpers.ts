import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';
import { REPO_DIR } from './stack';

export const SHOTS = join(REPO_DIR, 'test-artifacts/screenshots');
export const ARTIFACTS = join(REPO_DIR, 'test-artifacts');
mkdirSync(SHOTS, { recursive: true });

export async function shot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export const PASSWORD = 'nebula-dust-pillars-42';

export function uniqueUser(prefix: string) {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return { username: `${prefix}${id}`.slice(0, 30), email: `${prefix}${id}@example.org`, password: PASSWORD };
}

/**
 * A step whose backend endpoint is not deployed yet is skipped LOUDLY: an annotation on the test,
 * a banner on stderr, and a line in test-artifacts/e2e-metrics.json. Every call site carries an
 * `E2E-PENDING(<area>)` marker comment; remove the guard once the endpoint lands, so that a missing
 * endpoint fails the journey instead.
 */
export function markPending(testInfo: TestInfo, step: string, reason: string): void {
  const text = `E2E-PENDING ${step}: ${reason}`;
  testInfo.annotations.push({ type: 'E2E-PENDING', description: `${step}: ${reason}` });
  process.stderr.write(`\n${'!'.repeat(100)}\n!!! ${text}\n${'!'.repeat(100)}\n\n`);
}

/** True when the route itself is absent (FastAPI's own 404), as opposed to a 404 for a thing. */
export async function endpointMissing(request: APIRequestContext, method: 'GET' | 'POST', url: string, token: string, data?: unknown): Promise<boolean> {
  const res = await request.fetch(url, { method, headers: { Authorization: `Bearer ${token}` }, data, failOnStatusCode: false });
  if (res.status() !== 404 && res.status() !== 405) return false;
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return res.status() === 405 || body?.error?.message === 'Not Found';
}

export async function apiLogin(request: APIRequestContext, username: string, password: string): Promise<string> {
  const res = await request.post('/api/auth/login', { data: { username, password } });
  if (!res.ok()) throw new Error(`login failed: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function apiRegister(request: APIRequestContext, u: { username: string; email: string; password: string }): Promise<void> {
  const res = await request.post('/api/auth/register', { data: u });
  if (res.status() !== 201) throw new Error(`register failed: ${res.status()} ${await res.text()}`);
}

/** Fail the test on any Content-Security-Policy violation or uncaught error in the page. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(t)) problems.push(`csp: ${t}`);
  });
  return problems;
}

/** Make a user an administrator with `webbscope admin promote` (the stack's database). */
export function promote(username: string): void {
  const res = spawnSync(join(REPO_DIR, '.venv/bin/webbscope'), ['admin', 'promote', username], {
    cwd: REPO_DIR,
    encoding: 'utf8',
    // The stack runs in development (`webbscope up` sets it); without it the command would apply
    // production rules and refuse the built-in secrets.
    env: { ...process.env, WEBBSCOPE_ENV: process.env.WEBBSCOPE_ENV || 'development', MONGODB_URI: process.env.E2E_MONGODB_URI },
  });
  if (res.status !== 0) throw new Error(`could not promote ${username}: ${res.stderr.trim().slice(0, 300)}`);
}

/** Sign in through the sign-in page and land on the library. */
export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/library/);
}
