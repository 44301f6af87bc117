/// <reference types="vitest/config" />
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const backend = process.env.WEBBSCOPE_BACKEND_URL || 'http://127.0.0.1:5001';

/** The production Content-Security-Policy, read from nginx's own snippet (one source: nginx, the
 *  `webbscope up` front door and this preview send the same policy); `vite preview` sends it so a
 *  run against it proves the bundle works under it. Its WebSocket source is filled in as nginx
 *  would for a plain-HTTP page. The dev server cannot: React's refresh preamble is an inline script. */
const SNIPPET = fileURLToPath(new URL('../deploy/nginx/snippets/security-headers.conf', import.meta.url));

export function productionCsp(host = '127.0.0.1:3000'): string {
  const snippet = readFileSync(SNIPPET, 'utf8');
  const line = snippet.match(/add_header\s+Content-Security-Policy\s+"([^"]+)"/);
  if (!line) throw new Error('deploy/nginx/snippets/security-headers.conf has no Content-Security-Policy');
  return line[1].replaceAll('$ws_scheme', 'ws').replaceAll('$host', host);
}

/** The snippet's other security headers (not HSTS: plain HTTP; not the request id: the backend's),
 *  added to proxied API answers as nginx adds them at server level. */
export function apiSecurityHeaders(): Record<string, string> {
  if (!existsSync(SNIPPET)) return {};
  const out: Record<string, string> = { 'Content-Security-Policy': productionCsp() };
  for (const m of readFileSync(SNIPPET, 'utf8').matchAll(/^\s*add_header\s+(\S+)\s+"([^"$]+)"/gm)) {
    if (m[1] !== 'Content-Security-Policy') out[m[1]] = m[2];
  }
  return out;
}

const API_HEADERS = apiSecurityHeaders();

const proxy = {
  '/api': {
    target: backend,
    changeOrigin: false,
    configure: (p: { on: (event: 'proxyRes', fn: (res: { headers: Record<string, unknown> }) => void) => void }) => {
      p.on('proxyRes', (res) => {
        for (const [name, value] of Object.entries(API_HEADERS)) {
          if (!(name.toLowerCase() in res.headers)) res.headers[name.toLowerCase()] = value;
        }
      });
    },
  },
  '/hubs': { target: backend, ws: true, changeOrigin: false },
};

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { host: '127.0.0.1', port: 3000, strictPort: true, proxy },
  preview: {
    host: '127.0.0.1',
    port: 3000,
    strictPort: true,
    proxy,
    // The development container mounts only frontend/: no nginx snippet there, and no preview.
    headers: existsSync(SNIPPET) ? { 'Content-Security-Policy': productionCsp() } : {},
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    // The style-src 'self' policy forbids inline <style>; Vite emits CSS files.
    cssCodeSplit: true,
    modulePreload: { polyfill: false },
    manifest: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    pool: 'threads',
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
