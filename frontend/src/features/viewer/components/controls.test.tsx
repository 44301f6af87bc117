import { act, fireEvent, render, screen } from '@testing-library/react';
import { DEFAULT_PARAMS, reduceParams } from '../hooks/useRenderParams';
import { renderQuery } from '../api/viewer';
import { Controls } from './Controls';
import { cycle, SHORTCUTS, typingTarget } from './shortcuts';
import { ShortcutsHelp } from './ShortcutsHelp';
import { SliceSlider } from './SliceSlider';
import { parseNanColour } from '../engine/ViewerEngine';

const info = { stats: { min: 0, max: 100 }, histogram: { counts: [25, 25, 25, 25], edges: [0, 25, 50, 75, 100] } };

describe('viewer controls', () => {
  it('a custom percentile resolves to limits and is sent to the engine as percentile lower/upper', () => {
    const p = reduceParams(DEFAULT_PARAMS, { type: 'percentile', lower: 10, upper: 90, info });
    expect([p.interval, p.lower, p.upper, p.vmin, p.vmax]).toEqual(['percentile', 10, 90, 10, 90]);
    expect(renderQuery(p, true)).toMatchObject({ interval: 'percentile', lower: 10, upper: 90 });
    const again = reduceParams({ ...p, interval: 'manual' }, { type: 'interval', interval: 'percentile', info });
    expect([again.vmin, again.vmax]).toEqual([10, 90]);
  });

  it('typed minimum and maximum, the stretch parameter and the NaN colour', () => {
    const onChange = vi.fn();
    const onLevels = vi.fn();
    render(<Controls params={{ ...DEFAULT_PARAMS, stretch: 'log', vmin: 1, vmax: 5 }} onChange={onChange} onInterval={vi.fn()} onLevels={onLevels} onPercentile={vi.fn()} onReset={vi.fn()} />);
    const max = screen.getByLabelText('Maximum');
    fireEvent.change(max, { target: { value: '42' } });
    fireEvent.keyDown(max, { key: 'Enter' });
    expect(onLevels).toHaveBeenCalledWith(1, 42, expect.any(Number));
    const a = screen.getByLabelText(/Parameter a/);
    expect(a).toHaveValue(1000);
    fireEvent.change(a, { target: { value: '50' } });
    fireEvent.blur(a);
    expect(onChange).toHaveBeenCalledWith({ a: 50 }, expect.any(Number));
    fireEvent.change(screen.getByLabelText('NaN colour'), { target: { value: '#ff00ff' } });
    expect(onChange).toHaveBeenCalledWith({ nan: '#ff00ff' }, expect.any(Number));
    expect(renderQuery({ ...DEFAULT_PARAMS, stretch: 'log', a: 50, nan: '#ff00ff' }, true)).toMatchObject({ a: 50, nan: '#ff00ff' });
    expect(parseNanColour('#ff00ff')).toEqual([255, 0, 255, 255]);
    expect(parseNanColour('transparent')).toEqual([0, 0, 0, 0]);
  });

  it('offers gamma only with the power stretch, the one stretch it changes (as in the engine)', () => {
    const props = { onChange: vi.fn(), onInterval: vi.fn(), onReset: vi.fn() };
    const { rerender } = render(<Controls params={{ ...DEFAULT_PARAMS, stretch: 'asinh' }} {...props} />);
    expect(screen.queryByRole('slider', { name: /Gamma/ })).toBeNull();
    rerender(<Controls params={{ ...DEFAULT_PARAMS, stretch: 'power' }} {...props} />);
    expect(screen.getAllByRole('slider', { name: /Gamma/ })).toHaveLength(1);
  });

  it('plays and pauses the slices of a cube', () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const onPlaying = vi.fn();
    const { rerender } = render(<SliceSlider size={3} slice={2} onChange={onChange} playing={false} onPlaying={onPlaying} />);
    fireEvent.click(screen.getByRole('button', { name: 'Play slices' }));
    expect(onPlaying).toHaveBeenCalledWith(true);
    rerender(<SliceSlider size={3} slice={2} onChange={onChange} playing onPlaying={onPlaying} />);
    act(() => {
      vi.advanceTimersByTime(500);
    });
    expect(onChange).toHaveBeenCalledWith(0); // wraps to the first slice
    expect(screen.getByRole('button', { name: 'Pause slices' })).toHaveAttribute('aria-pressed', 'true');
    vi.useRealTimers();
  });

  it('documents every shortcut in the help panel', () => {
    render(<ShortcutsHelp onClose={vi.fn()} />);
    const panel = screen.getByRole('region', { name: 'Keyboard shortcuts' });
    for (const s of SHORTCUTS) expect(panel).toHaveTextContent(s.what);
    expect(cycle(['a', 'b', 'c'], 'c')).toBe('a');
    expect(cycle(['a', 'b', 'c'], 'a', true)).toBe('c');
    expect(typingTarget(document.createElement('input'))).toBe(true);
    expect(typingTarget(document.createElement('div'))).toBe(false);
  });
});
