import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { BulkBar } from './components/BulkBar';
import { parseLibraryParams } from './hooks/useLibraryParams';
import { isFitsName } from './hooks/useUploads';

describe('library', () => {
  it('reads its state from the URL', () => {
    const { filters, view } = parseLibraryParams(new URLSearchParams('q=carina&instrument=MIRI&offset=100&view=grid&bogus=1'));
    expect(filters).toEqual({ q: 'carina', instrument: 'MIRI', offset: 100, limit: 50 });
    expect(view).toBe('grid');
    expect(parseLibraryParams(new URLSearchParams('offset=-5')).filters.offset).toBe(0);
  });

  it('accepts FITS names only', () => {
    expect(['a.fits', 'b.FIT', 'c.fts', 'd.fits.gz'].every(isFitsName)).toBe(true);
    expect(isFitsName('notes.txt')).toBe(false);
  });

  it('tags the selection from the bulk bar', async () => {
    const onAction = vi.fn();
    renderWith(<BulkBar count={2} busy={false} onAction={onAction} onClear={() => undefined} />);
    expect(screen.getByText('2 selected')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Tags (comma separated)'), 'pillars, ngc3324 ,');
    await userEvent.click(screen.getByRole('button', { name: 'Add tags' }));
    expect(onAction).toHaveBeenCalledWith({ action: 'tag', tags: ['pillars', 'ngc3324'] });
    await userEvent.click(screen.getByRole('button', { name: 'Archive' }));
    expect(onAction).toHaveBeenLastCalledWith({ action: 'archive' });
  });

  it('asks before deleting', async () => {
    const onAction = vi.fn();
    renderWith(<BulkBar count={1} busy={false} onAction={onAction} onClear={() => undefined} />);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(onAction).not.toHaveBeenCalled();
    expect(screen.getByText('Delete 1 record?')).toBeInTheDocument();
  });
});
