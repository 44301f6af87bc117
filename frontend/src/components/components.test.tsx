import { act, fireEvent, render, screen } from '@testing-library/react';
import { toast, toastStore } from '@/stores/toasts';
import { Pagination } from './Pagination';
import { Tabs } from './Tabs';
import { Toaster } from './Toaster';

describe('shared components', () => {
  it('announces failures as alerts and lets them be dismissed', () => {
    toastStore.set([]);
    render(<Toaster />);
    act(() => {
      toast.error('the archive is unreachable');
    });
    expect(screen.getByRole('alert')).toHaveTextContent('the archive is unreachable');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss notification' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('pages', () => {
    const onChange = vi.fn();
    render(<Pagination offset={50} limit={50} total={120} onChange={onChange} />);
    expect(screen.getByText('51–100 of 120')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onChange).toHaveBeenCalledWith(100);
  });

  it('moves between tabs with the arrow keys', () => {
    const onChange = vi.fn();
    render(
      <Tabs tabs={[{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }]} active="a" onChange={onChange} label="Sections">
        panel
      </Tabs>,
    );
    fireEvent.keyDown(screen.getByRole('tab', { name: 'A' }), { key: 'ArrowRight' });
    expect(onChange).toHaveBeenCalledWith('b');
    expect(screen.getByRole('tab', { name: 'A' })).toHaveAttribute('aria-selected', 'true');
  });
});
