#!/usr/bin/env node
// Initial JavaScript (the entry chunk and everything it imports statically), gzipped, from the
// Vite manifest of the last `npm run build`. Exits 1 over the budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = Number(process.env.BUNDLE_BUDGET_KB ?? 300);
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const entry = Object.entries(manifest).find(([, c]) => c.isEntry);
if (!entry) throw new Error('no entry chunk in the manifest: run `npm run build` first');

const seen = new Set();
const visit = (key) => {
  if (seen.has(key)) return;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) visit(dep);
};
visit(entry[0]);

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
let js = 0;
let css = 0;
const rows = [];
for (const key of seen) {
  const c = manifest[key];
  const size = gz(c.file);
  js += size;
  rows.push([c.file, size]);
  for (const f of c.css ?? []) css += gz(f);
}
let lazy = 0;
for (const c of Object.values(manifest)) if (c.file.endsWith('.js') && ![...seen].some((k) => manifest[k].file === c.file)) lazy += gz(c.file);

for (const [f, s] of rows) console.log(`  ${(s / 1024).toFixed(1).padStart(7)} KB  ${f}`);
console.log(`initial JS (gzip): ${(js / 1024).toFixed(1)} KB (budget ${BUDGET_KB} KB); initial CSS (gzip): ${(css / 1024).toFixed(1)} KB; lazy JS (gzip): ${(lazy / 1024).toFixed(1)} KB`);
if (js / 1024 > BUDGET_KB) {
  console.error(`over budget by ${(js / 1024 - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
