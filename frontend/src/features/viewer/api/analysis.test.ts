// The client resolves paths against the page (baseUrl ''), as a browser's Request does; Node's
// Request needs an absolute URL, so give it the page's origin before the client is created.
vi.hoisted(() => {
  const NodeRequest = globalThis.Request;
  globalThis.Request = class extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === 'string' ? new URL(input, window.location.origin) : input, init);
    }
  };
});

import { tokenStore } from '@/lib/api/token';
import { getCatalogue, getContours, getTablePage, latestDetectionCatalogue, sameFieldRecords, listAnnotations, listRegions, toRegion, world2pix } from './analysis';

function json(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** The analysis calls go through the typed client: the paths, queries and bodies the backend
 *  documents, and its answers turned into the viewer's shapes (pairs, regions, catalogue cells). */
describe('analysis API', () => {
  let seen: Array<{ method: string; url: URL; body: unknown }>;
  const answer = (body: unknown) =>
    vi.stubGlobal(
      'fetch',
      vi.fn(async (req: Request) => {
        const text = await req.text();
        seen.push({ method: req.method, url: new URL(req.url), body: text ? JSON.parse(text) : null });
        return json(body);
      }),
    );
  beforeEach(() => {
    seen = [];
    tokenStore.set('t', 900);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    tokenStore.clear();
  });

  it('lists saved regions in the viewer shape', async () => {
    answer({
      items: [
        { id: 'r1', record_id: 'a b', label: null, color: '#4fc3f7', created_at: 'x', updated_at: 'x', region: { shape: 'polygon', frame: 'image', points: [[1, 2], [3, 4], [5, 6]], extra: 1 } },
      ],
    });
    const l = await listRegions('a b');
    expect(seen[0].method).toBe('GET');
    expect(seen[0].url.pathname).toBe('/api/records/a%20b/regions');
    expect(l.items[0].region).toEqual({ shape: 'polygon', frame: 'image', points: [[1, 2], [3, 4], [5, 6]] });
  });

  it('refuses a region of an unknown shape', () => {
    expect(() => toRegion({ shape: 'blob', x: 1 })).toThrow(/unknown region shape/);
    expect(toRegion({ shape: 'circle', x: 1, y: 2, r: 3, label: 'no' })).toEqual({ shape: 'circle', x: 1, y: 2, r: 3 });
  });

  it('asks for nearby annotations and keeps missing points as null', async () => {
    answer({ items: [{ id: 'n', record_id: 'r', type: 'ruler', points: [[1, 2], null], sky: null, text: null, radius: null, radius_arcsec: null, color: '#ffcf5c', length_arcsec: 2, created_at: 'x', updated_at: 'x' }] });
    const l = await listAnnotations('r', true);
    expect(seen[0].url.searchParams.get('nearby')).toBe('true');
    expect(l.items[0].points).toEqual([[1, 2], null]);
    await listAnnotations('r', false);
    expect(seen[1].url.searchParams.has('nearby')).toBe(false);
  });

  it('reads catalogue cells as numbers, text or null', async () => {
    answer({ count: 2, columns: { x: [1.5, null], flags: [0, { odd: true }], name: ['a', 'b'] }, units: { x: 'pix' }, meta: {} });
    const c = await getCatalogue('r');
    expect(c.columns).toEqual({ x: [1.5, null], flags: [0, null], name: ['a', 'b'] });
  });

  it('sends contour, table and coordinate queries as documented', async () => {
    answer({ levels: [1], lines: [{ level: 1, closed: true, pixels: [[0, 0], [1, 1]], sky: null }], points: 2, truncated: false, frame: 'self' });
    const c = await getContours('r', { ext: 'SCI', slice: 0, mode: 'log', n: 4 });
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({ ext: 'SCI', slice: '0', mode: 'log', n: '4' });
    expect(c.lines[0].pixels).toEqual([[0, 0], [1, 1]]);

    answer({ hdu: 1, name: 'EXTRACT1D', columns: [], rows: [], page: 2, page_size: 50, pages: 3, total: 120, matched: 120, sort: null, order: 'asc' });
    await getTablePage('r', 'EXTRACT1D', { page: 2, page_size: 50, order: 'desc' });
    expect(seen[1].url.pathname).toBe('/api/records/r/tables/EXTRACT1D');
    expect(seen[1].url.searchParams.get('order')).toBe('desc');

    answer({ points: [[10, 20], null] });
    const w = await world2pix('r', [[150.1, 2.2], [0, 0]]);
    expect(seen[2]).toMatchObject({ method: 'POST', body: { points: [[150.1, 2.2], [0, 0]], ext: 'SCI' } });
    expect(w.points).toEqual([[10, 20], null]);
  });

  it('finds the newest detection catalogue among the derivatives, or none', async () => {
    const node = (id: string, file_name: string) => ({ id, file_name, source: 'derived' });
    answer({
      record: node('img', 'x_i2d.fits'),
      derived_from: [],
      derivatives: [node('c1', 'x_i2d_segmentation-0a1b2c3d_cat.fits'), node('m', 'mosaic.fits'), node('c2', 'x_i2d_dao-99aa00ff_cat.fits'), node('t', 'x_cat.ecsv')],
      hidden: 0,
    });
    expect(await latestDetectionCatalogue('img')).toBe('c2');
    expect(seen[0].url.pathname).toBe('/api/records/img/lineage');
    answer({ record: node('img', 'x.fits'), derived_from: [], derivatives: [node('t', 'x_cat.ecsv')], hidden: 0 });
    expect(await latestDetectionCatalogue('img')).toBeNull();
  });

  it('lists the other images of the field at the record centre, RA wrapped', async () => {
    const rec = (id: string, file_name: string) => ({ id, file_name });
    answer({ items: [rec('me', 'a_i2d.fits'), rec('o', 'b_i2d.fits'), rec('c', 'b_dao-0a1b2c3d_cat.fits'), rec('t', 'b_cat.ecsv')], total: 4, offset: 0, limit: 50 });
    expect(await sameFieldRecords('me', [-0.5, -89.9])).toEqual([{ id: 'o', file_name: 'b_i2d.fits' }]);
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({ ra: '359.5', dec: '-89.9', limit: '50' });
  });
});
