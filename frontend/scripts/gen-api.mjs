#!/usr/bin/env node
// The typed API client: backend's OpenAPI document (openapi.json, from `webbscope openapi
// backend`, no server needed) and the TypeScript types generated from it
// (src/lib/api/schema.d.ts, by openapi-typescript).
//
//   node scripts/gen-api.mjs           write both (npm run gen:api)
//   node scripts/gen-api.mjs --check   write both into a temporary directory and exit 1 when the
//                                      committed files differ (npm run check:api; a test runs it)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEBBSCOPE = process.env.WEBBSCOPE_BIN || join(FRONTEND, '../.venv/bin/webbscope');
const OPENAPI_TS = join(FRONTEND, 'node_modules/openapi-typescript/bin/cli.js');
const FILES = { doc: 'openapi.json', types: 'src/lib/api/schema.d.ts' };

const check = process.argv.includes('--check');
for (const [what, path] of [['the webbscope command (make bootstrap)', WEBBSCOPE], ['openapi-typescript (npm ci)', OPENAPI_TS]]) {
  if (!existsSync(path)) {
    console.error(`${path} is missing: install ${what}`);
    process.exit(2);
  }
}

const out = check ? mkdtempSync(join(tmpdir(), 'webbscope-api-')) : FRONTEND;
const target = (key) => (check ? join(out, key === 'doc' ? 'openapi.json' : 'schema.d.ts') : join(FRONTEND, FILES[key]));
try {
  execFileSync(WEBBSCOPE, ['openapi', 'backend', '--out', target('doc')], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Fields with a default stay optional, as in the document's `required` lists: request bodies may
  // leave them out, and the app does not count on a response having them.
  execFileSync(process.execPath, [OPENAPI_TS, target('doc'), '-o', target('types'), '--default-non-nullable', 'false'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (check) {
    const stale = Object.entries(FILES).filter(([key, rel]) => readFileSync(target(key), 'utf8') !== readFileSync(join(FRONTEND, rel), 'utf8'));
    if (stale.length) {
      console.error(
        `The typed API client is out of date: ${stale.map(([, rel]) => `frontend/${rel}`).join(' and ')} differ${stale.length === 1 ? 's' : ''} from what the backend describes now.\nRun \`cd frontend && npm run gen:api\` and commit the result.`,
      );
      process.exit(1);
    }
    console.log('The typed API client matches the backend.');
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
