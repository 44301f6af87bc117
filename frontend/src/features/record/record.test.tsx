import { screen } from '@testing-library/react';
import { renderWith } from '@/test/render';
import { getRecord } from './api/record';
import { RecordPage } from './components/RecordPage';
import { recordKind, recordWarnings } from './components/recordKind';

vi.mock('./api/record', async (orig) => ({ ...(await orig<typeof import('./api/record')>()), getRecord: vi.fn() }));

const base = {
  id: 'r1',
  owner_id: 'u1',
  owner_username: 'alice',
  visibility: 'private',
  shared_with: [],
  tags: [],
  description: null,
  archived: false,
  processing_level: '3',
  product_type: 'i2d',
  size: 1000,
  sha256: 'ab',
  source: 'upload',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  download_url: '/api/records/r1/file',
};
const image = { index: 1, name: 'SCI', ver: 1, type: 'image', shape: [100, 100] };
const table = { index: 0, name: 'CATALOG', ver: 1, type: 'table', shape: [42], columns: ['ra', 'dec'] };

function show(over: Record<string, unknown>) {
  vi.mocked(getRecord).mockResolvedValue({ ...base, ...over } as unknown as Awaited<ReturnType<typeof getRecord>>);
  renderWith(<RecordPage />, { path: '/records/r1', routes: { '/records/:id': <RecordPage /> } });
}

describe('record page', () => {
  it('tells images, spectra and tables apart', () => {
    expect(recordKind({ file_name: 'a_i2d.fits', metadata: { hdus: [image] } })).toBe('image');
    expect(recordKind({ file_name: 'a_x1d.fits', metadata: {} })).toBe('spectrum');
    expect(recordKind({ file_name: 'jw02731-o001_t017_nircam_clear-f090w_cat.ecsv', metadata: { hdus: [table] } })).toBe('table');
    expect(recordKind({ file_name: 'sources.fits', metadata: { hdus: [{ index: 0, name: 'PRIMARY', type: 'primary', shape: null }, { ...table, type: 'bintable' }] } })).toBe('table');
    expect(recordKind({ file_name: 'old_plate.fits', metadata: { hdus: [{ index: 0, name: 'PRIMARY', type: 'primary', shape: [50, 60] }] } })).toBe('image');
    expect(recordWarnings({ metadata: { warnings: ['card 12 fixed', ''] } })).toEqual(['card 12 fixed']);
    expect(recordWarnings({ metadata: {} })).toEqual([]);
  });

  it('offers the table view, not the viewer, for a catalogue record', async () => {
    show({ file_name: 'jw02731-o001_t017_nircam_clear-f090w_cat.ecsv', product_type: 'cat', metadata: { hdus: [table], warnings: [] } });
    const open = await screen.findByRole('link', { name: 'Open table' });
    expect(open).toHaveAttribute('href', '/tables/r1');
    expect(screen.queryByRole('link', { name: 'Open in viewer' })).toBeNull();
    expect(screen.queryByRole('region', { name: /Read with/ })).toBeNull();
  });

  it('shows the lenient reader’s warnings recorded on the record', async () => {
    show({
      file_name: 'old_plate.fits',
      metadata: { hdus: [{ index: 0, name: 'PRIMARY', type: 'primary', shape: [50, 60] }], warnings: ["card 'DATE-OBS' fixed: bad value", "card 'PLT NUM' skipped"] },
    });
    const region = await screen.findByRole('region', { name: 'Read with 2 warnings' });
    expect(region).toHaveTextContent("card 'PLT NUM' skipped");
    expect(screen.getByRole('link', { name: 'Open in viewer' })).toHaveAttribute('href', '/viewer/r1');
  });
});
