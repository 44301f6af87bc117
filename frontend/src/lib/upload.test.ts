import { ApiError } from './api/errors';
import { tokenStore } from './api/token';
import { uploadFile } from './upload';

type Handler = (xhr: FakeXhr) => void;
let script: Handler[] = [];
const sent: FakeXhr[] = [];

class FakeXhr {
  status = 0;
  response: unknown = null;
  responseType = '';
  withCredentials = false;
  headers: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  body: FormData | null = null;
  open(public_method: string, public_url: string) {
    void public_method;
    void public_url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: FormData) {
    this.body = body;
    sent.push(this);
    const h = script.shift();
    setTimeout(() => h?.(this), 0);
  }
  abort() {
    this.onabort?.();
  }
}

describe('uploadFile', () => {
  beforeEach(() => {
    script = [];
    sent.length = 0;
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    tokenStore.set('tok', 900);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    tokenStore.clear();
  });

  it('sends one file per request, with the token, and reports progress', async () => {
    const progress: number[] = [];
    script.push((x) => {
      x.upload.onprogress?.({ loaded: 5, total: 10, lengthComputable: true });
      x.upload.onprogress?.({ loaded: 10, total: 10, lengthComputable: true });
      x.status = 201;
      x.response = { items: [{ created: true, record: { id: 'r1' } }] };
      x.onload?.();
    });
    const file = new File(['0123456789'], 'a.fits');
    const res = await uploadFile<{ items: unknown[] }>('/api/records', file, (p) => progress.push(p.loaded));
    expect(res.items).toHaveLength(1);
    expect(progress).toEqual([5, 10]);
    expect(sent[0].headers.Authorization).toBe('Bearer tok');
    expect((sent[0].body as FormData).getAll('files')).toHaveLength(1);
  });

  it("throws the API's error message", async () => {
    script.push((x) => {
      x.status = 413;
      x.response = { error: { code: 'too_large', message: 'the file is larger than 2 GB' } };
      x.onload?.();
    });
    await expect(uploadFile('/api/records', new File(['x'], 'b.fits'), () => undefined)).rejects.toEqual(new ApiError(413, 'too_large', 'the file is larger than 2 GB'));
  });

  it('refreshes the token after a 401 and sends the file again', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ access_token: 'new', expires_in: 900 }), { status: 200 })));
    script.push((x) => {
      x.status = 401;
      x.response = { error: { code: 'token_expired', message: 'expired' } };
      x.onload?.();
    });
    script.push((x) => {
      x.status = 201;
      x.response = { items: [] };
      x.onload?.();
    });
    await uploadFile('/api/records', new File(['x'], 'c.fits'), () => undefined);
    expect(sent.map((x) => x.headers.Authorization)).toEqual(['Bearer tok', 'Bearer new']);
  });
});
