import { decToDms, formatBytes, formatNumber, formatPercent, raToHms } from './format';
import { toQueryString } from './api/client';

describe('formatting', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2151360)).toBe('2.1 MB');
    expect(formatBytes(null)).toBe('—');
  });
  it('formats sky coordinates', () => {
    expect(raToHms(159.2)).toBe('10h36m48.00s');
    expect(decToDms(-58.6)).toBe('-58°36′00.0″');
  });
  it('formats numbers and fractions', () => {
    expect(formatNumber(0.000012346)).toBe('1.235e-5');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatPercent(0.256)).toBe('26%');
  });
  it('builds query strings with repeated keys and no empty values', () => {
    expect(toQueryString({ a: 1, b: '', c: undefined, tags: ['x', 'y'] })).toBe('?a=1&tags=x&tags=y');
  });
});
