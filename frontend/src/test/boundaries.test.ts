/** bulletproof-react's rule: features never import each other (only app/ composes them). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

describe('module boundaries', () => {
  it('no feature imports another feature, and shared code imports no feature', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const rel = relative(SRC, f);
      if (rel.startsWith('app/') || rel.startsWith('test/') || rel === 'main.tsx') continue;
      const own = rel.startsWith('features/') ? rel.split('/')[1] : null;
      for (const m of readFileSync(f, 'utf8').matchAll(/from\s+'([^']+)'/g)) {
        const spec = m[1];
        const target = spec.startsWith('@/') ? spec.slice(2) : spec.startsWith('.') ? relative(SRC, resolve(join(f, '..'), spec)) : null;
        if (!target?.startsWith('features/')) continue;
        const other = target.split('/')[1];
        if (other !== own) bad.push(`${rel} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
