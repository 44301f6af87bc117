import { TileCache } from './tileCache';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('TileCache', () => {
  it('limits concurrency, serves the latest requests first and drops unwanted ones', async () => {
    const started: string[] = [];
    const pending = new Map<string, ReturnType<typeof deferred<{ value: string; bytes: number }>>>();
    const cache = new TileCache<string>({
      load: (key) => {
        started.push(key);
        const d = deferred<{ value: string; bytes: number }>();
        pending.set(key, d);
        return d.promise;
      },
      dispose: () => undefined,
      onLoaded: () => undefined,
      concurrency: 2,
    });
    cache.beginFrame();
    ['a', 'b', 'c', 'd'].forEach((k) => cache.request(k));
    cache.flush();
    expect(started).toEqual(['a', 'b']);
    cache.beginFrame();
    cache.request('d'); // c is no longer wanted
    cache.flush();
    pending.get('a')?.resolve({ value: 'A', bytes: 1 });
    await tick();
    expect(started).toEqual(['a', 'b', 'd']);
    expect(cache.get('a')).toBe('A');
    expect(cache.has('c')).toBe(false);
  });

  it('evicts the least recently used beyond the budget, never what is drawn this frame', async () => {
    const disposed: string[] = [];
    const cache = new TileCache<string>({
      load: async (key) => ({ value: key, bytes: 10 }),
      dispose: (v) => disposed.push(v),
      onLoaded: () => undefined,
      maxBytes: 25,
    });
    for (const k of ['a', 'b', 'c']) {
      cache.beginFrame();
      cache.request(k);
      cache.flush();
      await tick();
      cache.get(k);
    }
    expect(disposed).toEqual(['a']);
    expect(cache.totalBytes).toBe(20);
  });

  it('retries failed tiles only after a pause', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TileCache<string>({
      load: async () => {
        calls++;
        throw new Error('503');
      },
      dispose: () => undefined,
      onLoaded: () => undefined,
      retryAfterMs: 1000,
      now: () => now,
    });
    cache.request('x');
    cache.flush();
    await tick();
    cache.request('x');
    cache.flush();
    await tick();
    expect(calls).toBe(1);
    now = 2000;
    cache.request('x');
    cache.flush();
    await tick();
    expect(calls).toBe(2);
  });
});
