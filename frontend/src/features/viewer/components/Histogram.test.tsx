import { fireEvent, render, screen } from '@testing-library/react';
import { reduceParams, DEFAULT_PARAMS } from '../hooks/useRenderParams';
import { Histogram } from './Histogram';

describe('Histogram', () => {
  it('moves the white point with the keyboard', () => {
    const onChange = vi.fn();
    render(<Histogram counts={[5, 3, 1, 1]} edges={[0, 25, 50, 75, 100]} vmin={10} vmax={80} unit="MJy/sr" onChange={onChange} />);
    const white = screen.getByRole('slider', { name: 'White point' });
    expect(white).toHaveAttribute('aria-valuetext', '80 MJy/sr');
    fireEvent.keyDown(white, { key: 'PageDown' });
    expect(onChange).toHaveBeenLastCalledWith(10, 75, expect.any(Number));
    fireEvent.keyDown(screen.getByRole('slider', { name: 'Black point' }), { key: 'ArrowRight' });
    expect(onChange).toHaveBeenLastCalledWith(10.5, 80, expect.any(Number));
  });

  it('has a name and a description for assistive technology', () => {
    render(<Histogram counts={[5, 3, 1, 1]} edges={[0, 25, 50, 75, 100]} vmin={10} vmax={80} unit="MJy/sr" onChange={() => undefined} />);
    const group = screen.getByRole('group', { name: /^Histogram of pixel values/ });
    expect(group).toHaveAccessibleDescription(/from 0 to 100 MJy\/sr.*black point \(10 MJy\/sr\).*white point \(80 MJy\/sr\).*arrow keys/);
    expect(screen.getAllByRole('slider')).toHaveLength(2);
  });
});

describe('render parameters', () => {
  const info = { shape: [10, 10], levels: 1, tile_size: 256, stats: { min: 0, max: 100, percentiles: { '0.5': 1, '99.5': 90 } } };
  it('resolves an interval to black and white points, and dragging makes it manual', () => {
    let p = reduceParams(DEFAULT_PARAMS, { type: 'interval', interval: '99', info });
    expect([p.interval, p.vmin, p.vmax]).toEqual(['99', 1, 90]);
    p = reduceParams(p, { type: 'levels', vmin: 50, vmax: 20 });
    expect([p.interval, p.vmin, p.vmax]).toEqual(['manual', 20, 50]);
    p = reduceParams(p, { type: 'set', patch: { cmap: 'magma' } });
    expect(p.cmap).toBe('magma');
  });
});
