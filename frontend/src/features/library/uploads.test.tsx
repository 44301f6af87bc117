import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import { Announcer } from '@/components/Announcer';
import { ApiError } from '@/lib/api/errors';
import { useUploads } from './hooks/useUploads';

const uploadRecord = vi.fn();
vi.mock('./api/records', () => ({ uploadRecord: (...args: unknown[]) => uploadRecord(...args) }));

function wrapper({ children }: { children: React.ReactNode }) {
  return <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>;
}

describe('uploads', () => {
  beforeEach(() => uploadRecord.mockReset());

  it('announce when a file is added, already there, or refused', async () => {
    render(<Announcer />);
    const { result } = renderHook(() => useUploads(), { wrapper });

    uploadRecord.mockResolvedValueOnce({ items: [{ created: true, record: { id: 'r1' } }] });
    act(() => result.current.add([new File(['x'], 'a_i2d.fits')]));
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('a_i2d.fits: added to the library'));

    uploadRecord.mockResolvedValueOnce({ items: [{ created: false, record: { id: 'r1' } }] });
    act(() => result.current.add([new File(['x'], 'again.fits')]));
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('again.fits: already in the library'));

    uploadRecord.mockRejectedValueOnce(new ApiError(422, 'not_fits', 'this is not a FITS file'));
    act(() => result.current.add([new File(['x'], 'broken.fits')]));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('broken.fits: upload failed: this is not a FITS file'));
  });
});
