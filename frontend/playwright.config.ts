import { defineConfig } from '@playwright/test';

/** Debian's Chromium (Playwright's own browser download does not work here); see e2e/README.md. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Two projects. `front-door`: every spec against `webbscope up`'s front door (plain HTTP, the
 * production CSP read from nginx's snippet). `tls`: the journey again, through the real nginx with
 * the production configuration (deploy/nginx/prod.conf: TLS with a self-signed certificate, HSTS,
 * the CSP, the WebSocket upgrade), started by global-setup.ts. A run against an already running
 * stack (E2E_BASE_URL) has the TLS project only when E2E_TLS_BASE_URL is given too.
 */
const tlsProject = !process.env.E2E_BASE_URL || process.env.E2E_TLS_BASE_URL;

export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.ts/,
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../test-artifacts/playwright',
  projects: [
    { name: 'front-door', testMatch: /.*\.spec\.ts/ },
    ...(tlsProject
      ? [{ name: 'tls', testMatch: /journey\.spec\.ts/, use: { baseURL: process.env.E2E_TLS_BASE_URL, ignoreHTTPSErrors: true } }]
      : []),
  ],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    headless: true,
    viewport: { width: 1366, height: 860 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
    trace: 'off',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
});
