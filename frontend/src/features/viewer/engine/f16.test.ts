import { decodeF16, floatToHalf, halfToFloat } from './f16';

describe('float16', () => {
  it('decodes known values', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 10);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
  });

  it('round-trips within half precision', () => {
    for (const v of [0, 1, -1, 0.1, 3.14159, 1234.5, -0.00042, 60000]) {
      const back = halfToFloat(floatToHalf(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 1e-7);
    }
    expect(Number.isNaN(halfToFloat(floatToHalf(Number.NaN)))).toBe(true);
    expect(halfToFloat(floatToHalf(1e9))).toBe(Infinity);
  });

  it('decodes a little-endian tile', () => {
    const buf = new ArrayBuffer(6);
    const dv = new DataView(buf);
    [1, 2.5, -0.5].forEach((v, i) => dv.setUint16(i * 2, floatToHalf(v), true));
    expect(Array.from(decodeF16(buf))).toEqual([1, 2.5, -0.5]);
  });
});
