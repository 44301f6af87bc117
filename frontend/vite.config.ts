/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const backend = process.env.WEBBSCOPE_BACKEND_URL || 'http://127.0.0.1:5001';

/** The production Content-Security-Policy (nginx sends the same); `vite preview` sends it so the
 *  end-to-end run proves the bundle works under it. The dev server cannot: React's refresh
 *  preamble is an inline script. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data: https:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const proxy = {
  '/api': { target: backend, changeOrigin: false },
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
    headers: { 'Content-Security-Policy': CSP },
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
