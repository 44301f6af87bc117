import { act, fireEvent, render, screen } from '@testing-library/react';
import { announce } from '@/lib/announce';
import { toast, toastStore } from '@/stores/toasts';
import { Announcer } from './Announcer';
import { Pagination } from './Pagination';
import { Tabs } from './Tabs';
import { Toaster } from './Toaster';

describe('shared components', () => {
  it('shows toasts, says them through the announcer (failures assertively) and lets them be dismissed', () => {
    toastStore.set([]);
    const { container } = render(
      <>
        <Toaster />
        <Announcer />
      </>,
    );
    act(() => {
      toast.error('the archive is unreachable');
      toast.success('Saved');
    });
    expect(screen.getByRole('alert')).toHaveTextContent('the archive is unreachable');
    expect(screen.getByRole('status')).toHaveTextContent('Saved');
    expect(container.querySelectorAll('.toast')).toHaveLength(2);
    fireEvent.click(screen.getAllByRole('button', { name: 'Dismiss notification' })[0]);
    expect(container.querySelectorAll('.toast')).toHaveLength(1);
  });

  it('says each announcement, also one that repeats', () => {
    render(<Announcer />);
    act(() => announce('Library page'));
    const first = screen.getByRole('status').firstElementChild;
    act(() => announce('Library page'));
    expect(screen.getByRole('status')).toHaveTextContent('Library page');
    expect(screen.getByRole('status').firstElementChild).not.toBe(first);
    act(() => announce('upload failed', 'assertive'));
    expect(screen.getByRole('alert')).toHaveTextContent('upload failed');
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
