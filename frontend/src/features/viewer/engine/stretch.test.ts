import { STRETCHES } from '../api/types';
import { applyStretch, histeqTable, transfer } from './stretch';

describe('stretches', () => {
  it.each(STRETCHES.filter((s) => s !== 'histeq'))('%s maps 0→0, 1→1 and increases', (s) => {
    expect(applyStretch(s, 0)).toBeCloseTo(0, 6);
    expect(applyStretch(s, 1)).toBeCloseTo(1, 6);
    let prev = -1;
    for (let i = 0; i <= 20; i++) {
      const y = applyStretch(s, i / 20);
      expect(y).toBeGreaterThan(prev);
      prev = y;
    }
  });

  it('brightens faint values with log, asinh and sqrt; darkens with squared, sinh and power (gamma > 1)', () => {
    for (const s of ['log', 'asinh', 'sqrt'] as const) expect(applyStretch(s, 0.1)).toBeGreaterThan(0.1);
    for (const s of ['squared', 'sinh'] as const) expect(applyStretch(s, 0.1)).toBeLessThan(0.1);
    expect(applyStretch('power', 0.1, undefined, 2)).toBeCloseTo(0.01);
    expect(applyStretch('power', 0.25, undefined, 0.5)).toBeCloseTo(0.5);
  });

  it('clips outside the interval and applies contrast, bias, invert', () => {
    const p = { vmin: 10, vmax: 20, stretch: 'linear' as const, contrast: 1, bias: 0.5, gamma: 1, invert: false };
    expect(transfer(5, p)).toBe(0);
    expect(transfer(25, p)).toBe(1);
    expect(transfer(15, p)).toBeCloseTo(0.5);
    expect(transfer(15, { ...p, invert: true })).toBeCloseTo(0.5);
    expect(transfer(12, { ...p, invert: true })).toBeCloseTo(0.8);
    expect(transfer(15, { ...p, contrast: 2, bias: 0.25 })).toBeCloseTo(1);
  });

  it('equalises a histogram into a monotonic table', () => {
    const t = histeqTable([90, 5, 5], [0, 1, 2, 3], 0, 3, 7);
    expect(t[0]).toBe(0);
    expect(t[6]).toBeCloseTo(1);
    expect(t[2]).toBeGreaterThan(0.85); // most pixels are in the first bin
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
  });
});
