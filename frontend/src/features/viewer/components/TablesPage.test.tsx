import { screen } from '@testing-library/react';
import { renderWith } from '@/test/render';
import { getHdus } from '../api/analysis';
import { getRecordSummary } from '../api/viewer';
import { TablesPage } from './TablesPage';

vi.mock('../api/viewer', () => ({ getRecordSummary: vi.fn() }));
vi.mock('../api/analysis', () => ({ getHdus: vi.fn(), searchHeaders: vi.fn(), getTablePage: vi.fn() }));

describe('tables page', () => {
  it('describes an ECSV catalogue from its record, without asking for FITS HDUs', async () => {
    vi.mocked(getRecordSummary).mockResolvedValue({
      id: 'c1',
      file_name: 'jw02731-o001_t017_nircam_clear-f090w_cat.ecsv',
      metadata: { hdus: [{ index: 0, name: 'CATALOG', ver: 1, type: 'table', shape: [42], columns: ['label', 'sky_centroid', 'isophotal_flux'] }] },
    } as unknown as Awaited<ReturnType<typeof getRecordSummary>>);
    renderWith(<TablesPage />, { path: '/tables/c1', routes: { '/tables/:id': <TablesPage /> } });
    expect(await screen.findByRole('heading', { name: 'Catalogue (ECSV)' })).toBeInTheDocument();
    expect(screen.getByText(/42 rows, 3 columns/)).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Columns' })).toHaveTextContent('isophotal_flux');
    expect(getHdus).not.toHaveBeenCalled();
  });
});
