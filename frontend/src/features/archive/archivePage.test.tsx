// The typed client takes `Request` when it is created: make relative URLs work (as in a browser)
// before any module creates one.
vi.hoisted(() => {
  const Real = globalThis.Request;
  globalThis.Request = class extends Real {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === 'string' ? new URL(input, 'http://localhost') : input, init);
    }
  } as typeof Request;
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { ArchivePage } from './components/ArchivePage';

type Json = Record<string, unknown>;
interface Call {
  method: string;
  path: string;
  body: Json | null;
}

const OBS = 'jw02731-o001_t017_nircam_clear-f090w';
const observation = (obsid: string, obs_id: string, over: Json = {}) => ({
  obs_id,
  obsid,
  target: 'NGC 3324',
  instrument: 'NIRCAM',
  filters: ['F090W'],
  calib_level: 3,
  product_type: 'image',
  preview_url: null,
  exclusive_access: false,
  data_rights: 'PUBLIC',
  release_time: null,
  ...over,
});
const product = (filename: string, over: Json = {}) => ({
  product_id: filename,
  filename,
  obs_id: OBS,
  obsid: '1',
  product_type: 'SCIENCE',
  subgroup: filename.split('_').pop()?.split('.')[0],
  calib_level: 3,
  size: 1000,
  recommended: true,
  importable: true,
  reason: null,
  data_uri: `mast:JWST/product/${filename}`,
  download_url: 'x',
  data_rights: 'PUBLIC',
  ...over,
});

const PRODUCTS = [
  product(`${OBS}_i2d.fits`),
  product(`${OBS}_cat.ecsv`),
  product(`${OBS}_segm.fits`),
  product(`${OBS}_i2d.jpg`, { product_type: 'PREVIEW', recommended: false, importable: false, reason: 'a preview image (shown in search results)' }),
  product(`${OBS}_huge.fits`, { importable: false, reason: '21.5 GB is over the 17.2 GB limit for FITS files' }),
];

/** A fake backend: answers by route and records every call. */
function backend(routes: Record<string, (body: Json | null) => [number, unknown]>) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const path = new URL(req.url).pathname;
      const text = await req.text();
      const body = text ? (JSON.parse(text) as Json) : null;
      calls.push({ method: req.method, path, body });
      const route = routes[`${req.method} ${path}`];
      const [status, answer] = route ? route(body) : [404, { error: { code: 'not_found', message: 'no route' } }];
      return new Response(status === 204 ? null : JSON.stringify(answer), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

const page = (items: unknown[]) => ({ items, total: items.length, page: 1, page_size: 24, pages: 1 });
const noToken = (): [number, unknown] => [200, { set: false, set_at: null, name: null }];

async function searchFor(target: string) {
  await userEvent.type(screen.getByRole('textbox', { name: 'Target' }), target);
  await userEvent.click(screen.getByRole('button', { name: 'Search the archive' }));
}

afterEach(() => vi.unstubAllGlobals());

// userEvent types key by key: on a loaded machine a test takes seconds, not the default 5.
describe('the archive page', { timeout: 30_000 }, () => {
  it('sends one search per click, even when the archive fails', async () => {
    const calls = backend({
      'POST /api/mast/search': () => [504, { error: { code: 'archive_timeout', message: 'the archive did not answer in time' } }],
      'GET /api/mast/token': noToken,
    });
    renderWith(<ArchivePage />);
    await searchFor('NGC 3324');
    await screen.findByText('the archive did not answer in time');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.path === '/api/mast/search')).toHaveLength(1);
  });

  it('names each Products button after its observation and shows exclusive access', async () => {
    backend({
      'POST /api/mast/search': () => [
        200,
        page([
          observation('1', OBS),
          observation('2', 'jw04446-o001_t101_nircam_clear-f200w', {
            exclusive_access: true,
            data_rights: 'EXCLUSIVE_ACCESS',
            release_time: '2035-01-01T00:00:00Z',
          }),
        ]),
      ],
      'GET /api/mast/token': noToken,
    });
    renderWith(<ArchivePage />);
    await searchFor('NGC 3324');
    const list = await screen.findByRole('list', { name: 'Observations' });
    expect(within(list).getByRole('button', { name: `Products of ${OBS}` })).toBeInTheDocument();
    const exclusive = within(list).getByRole('button', { name: 'Products of jw04446-o001_t101_nircam_clear-f200w' });
    const card = exclusive.closest('li') as HTMLElement;
    expect(within(card).getByText('Exclusive until 2035-01-01')).toBeInTheDocument();
    expect(within(list).getAllByText(/^Exclusive/)).toHaveLength(1);
  });

  it('opens the products next to their card, moves focus into them, and sends what it shows as chosen', async () => {
    const calls = backend({
      'POST /api/mast/search': () => [200, page([observation('1', OBS), observation('2', 'jw02731-o002_t017_miri_f770w')])],
      'POST /api/mast/products': () => [200, { items: PRODUCTS }],
      'POST /api/mast/import': () => [202, { id: 'j1', type: 'import', status: 'queued' }],
      'GET /api/mast/token': noToken,
    });
    renderWith(<ArchivePage />);
    await searchFor('NGC 3324');
    const opener = await screen.findByRole('button', { name: `Products of ${OBS}` });
    await userEvent.click(opener);

    const heading = await screen.findByRole('heading', { name: `Products of ${OBS}` });
    expect(heading).toHaveFocus();
    expect(opener).toHaveAttribute('aria-expanded', 'true');
    // Right after its own card, before the next one.
    const card = opener.closest('li') as HTMLElement;
    expect(card.nextElementSibling?.contains(heading)).toBe(true);

    const box = (name: string) => screen.getByRole('checkbox', { name: `Import ${name}` });
    await waitFor(() => expect(box(`${OBS}_cat.ecsv`)).toBeChecked());
    expect(box(`${OBS}_i2d.fits`)).toBeChecked();
    expect(box(`${OBS}_segm.fits`)).toBeChecked();
    expect(box(`${OBS}_i2d.jpg`)).toBeDisabled();
    expect(box(`${OBS}_huge.fits`)).toBeDisabled();
    expect(box(`${OBS}_huge.fits`)).toHaveAccessibleDescription(/over the 17.2 GB limit/);

    await userEvent.click(screen.getByRole('button', { name: /^Import 3 files/ }));
    await waitFor(() => expect(calls.some((c) => c.path === '/api/mast/import')).toBe(true));
    const sent = calls.find((c) => c.path === '/api/mast/import')?.body;
    expect(sent).toEqual({
      recommended_only: true,
      obsids: ['1'],
      products: [`${OBS}_i2d.fits`, `${OBS}_cat.ecsv`, `${OBS}_segm.fits`],
    });
  });

  it('closes the products on Escape and gives focus back to their button', async () => {
    backend({
      'POST /api/mast/search': () => [200, page([observation('1', OBS)])],
      'POST /api/mast/products': () => [200, { items: PRODUCTS }],
      'GET /api/mast/token': noToken,
    });
    renderWith(<ArchivePage />);
    await searchFor('NGC 3324');
    const opener = await screen.findByRole('button', { name: `Products of ${OBS}` });
    await userEvent.click(opener);
    await screen.findByRole('heading', { name: `Products of ${OBS}` });
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('heading', { name: `Products of ${OBS}` })).not.toBeInTheDocument();
    await waitFor(() => expect(opener).toHaveFocus());
    expect(opener).toHaveAttribute('aria-expanded', 'false');
  });

  it('stores and forgets a MAST API token without ever showing it', async () => {
    let stored = false;
    const calls = backend({
      'GET /api/mast/token': () => [200, { set: stored, set_at: stored ? '2026-01-02T03:04:05Z' : null, name: stored ? 'Team Member' : null }],
      'PUT /api/mast/token': (body) =>
        body?.token === 'good-token-123'
          ? ((stored = true), [200, { set: true, set_at: '2026-01-02T03:04:05Z', name: 'Team Member' }])
          : [400, { error: { code: 'invalid_mast_token', message: 'the archive does not accept this MAST API token' } }],
      'DELETE /api/mast/token': () => ((stored = false), [204, null]),
    });
    renderWith(<ArchivePage />);
    await screen.findByText('No MAST API token is stored.');
    const input = screen.getByLabelText('MAST API token');
    expect(input).toHaveAttribute('type', 'password');

    await userEvent.type(input, 'wrong-token');
    await userEvent.click(screen.getByRole('button', { name: 'Store the token' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('does not accept this MAST API token');

    await userEvent.clear(input);
    await userEvent.type(input, 'good-token-123');
    await userEvent.click(screen.getByRole('button', { name: 'Store the token' }));
    await screen.findByText(/A MAST API token is stored \(Team Member\)/);
    expect(input).toHaveValue('');
    expect(document.body.textContent).not.toContain('good-token-123');

    await userEvent.click(screen.getByRole('button', { name: 'Forget the token' }));
    await screen.findByText(/No MAST API token is stored/);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('DELETE /api/mast/token');
  });
});
