import { authedFetch } from './fetch';
import { freshToken, refreshAccessToken, tokenStore } from './token';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('token store and authed fetch', () => {
  let calls: Array<{ url: string; auth: string | null }>;
  beforeEach(() => {
    calls = [];
    tokenStore.clear();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    tokenStore.clear();
  });

  it('refreshes once for concurrent callers (the refresh token rotates)', async () => {
    let n = 0;
    vi.stubGlobal('fetch', vi.fn(async () => {
      n++;
      await new Promise((r) => setTimeout(r, 5));
      return json(200, { access_token: `t${n}`, expires_in: 900 });
    }));
    const [a, b, c] = await Promise.all([refreshAccessToken(), refreshAccessToken(), freshToken()]);
    expect(n).toBe(1);
    expect([a, b, c]).toEqual(['t1', 't1', 't1']);
    expect(tokenStore.get()).toBe('t1');
  });

  it('clears the session when the refresh is refused', async () => {
    tokenStore.set('old', 900);
    const seen: Array<string | null> = [];
    const off = tokenStore.subscribe((t) => seen.push(t));
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { error: { code: 'not_signed_in', message: 'no' } })));
    expect(await refreshAccessToken()).toBeNull();
    expect(tokenStore.get()).toBeNull();
    expect(seen).toEqual([null]);
    off();
  });

  it('reads "no refresh cookie" (204, nobody signed in) as no session', async () => {
    tokenStore.set('old', 900);
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    expect(await refreshAccessToken()).toBeNull();
    expect(tokenStore.get()).toBeNull();
  });

  it('attaches the token and retries once after a 401 with a renewed one', async () => {
    tokenStore.set('expired', 900);
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push({ url: new URL(req.url).pathname, auth: req.headers.get('Authorization') });
      if (req.url.endsWith('/api/auth/refresh')) return json(200, { access_token: 'fresh', expires_in: 900 });
      return req.headers.get('Authorization') === 'Bearer fresh' ? json(200, { ok: true }) : json(401, { error: { code: 'token_expired', message: 'expired' } });
    }));
    // the refresh call itself goes through the real fetch with a string URL: normalise
    const real = globalThis.fetch as unknown as (r: Request | string, i?: RequestInit) => Promise<Response>;
    vi.stubGlobal('fetch', (r: Request | string, i?: RequestInit) => real(typeof r === 'string' ? new Request(new URL(r, 'http://localhost'), i) : r));
    const res = await authedFetch('http://localhost/api/records', { method: 'GET' });
    expect(res.status).toBe(200);
    expect(calls.map((c) => `${c.url} ${c.auth}`)).toEqual(['/api/records Bearer expired', '/api/auth/refresh null', '/api/records Bearer fresh']);
  });

  it('does not retry the auth endpoints themselves', async () => {
    const f = vi.fn(async () => json(401, { error: { code: 'invalid_credentials', message: 'wrong username or password' } }));
    vi.stubGlobal('fetch', f);
    const res = await authedFetch('http://localhost/api/auth/login', { method: 'POST' });
    expect(res.status).toBe(401);
    expect(f).toHaveBeenCalledTimes(1);
  });
});
