import { floatToHalf } from './f16';
import { parseFloatTile, tileValue } from './floatTile';

function wft1(kind: 2 | 4, width: number, height: number, offset: number, scale: number, values: number[]): ArrayBuffer {
  const buf = new ArrayBuffer(32 + kind * width * height);
  const dv = new DataView(buf);
  [0x57, 0x46, 0x54, 0x31].forEach((b, i) => dv.setUint8(i, b));
  dv.setUint16(4, width, true);
  dv.setUint16(6, height, true);
  dv.setUint8(8, kind);
  dv.setFloat64(16, offset, true);
  dv.setFloat64(24, scale, true);
  values.forEach((v, i) => (kind === 2 ? dv.setUint16(32 + 2 * i, floatToHalf(v), true) : dv.setFloat32(32 + 4 * i, v, true)));
  return buf;
}

describe('exact float tiles', () => {
  it('decodes scaled float16 above 65504 with relative precision', () => {
    // values 1e6 .. 2e6, offset 1e6, scale 2**5: residuals up to 2**15
    const offset = 1e6;
    const scale = 32;
    const values = [1e6, 1.5e6, 2e6, Number.NaN];
    const t = parseFloatTile(wft1(2, 2, 2, offset, scale, values.map((v) => (v - offset) / scale)));
    expect(t.kind).toBe('f16');
    expect([t.width, t.height]).toEqual([2, 2]);
    for (let i = 0; i < 3; i++) expect(Math.abs(tileValue(t, i) - values[i]) / values[i]).toBeLessThan(2 ** -11);
    expect(Number.isNaN(tileValue(t, 3))).toBe(true);
  });

  it('decodes tiny values (1e-8) with relative precision', () => {
    const scale = 2 ** -41;
    const values = [1e-8, 2.5e-8, 3e-9];
    const t = parseFloatTile(wft1(2, 3, 1, 0, scale, values.map((v) => v / scale)));
    for (let i = 0; i < 3; i++) expect(Math.abs(tileValue(t, i) - values[i]) / values[i]).toBeLessThan(2 ** -11);
  });

  it('reads float32 tiles bit for bit (DN counts)', () => {
    const values = [65535, 12001, 9000, 40000.5];
    const t = parseFloatTile(wft1(4, 2, 2, 0, 1, values));
    expect(t.kind).toBe('f32');
    expect(values.map((_, i) => tileValue(t, i))).toEqual(values);
  });

  it('keeps infinities and reads the legacy layout', () => {
    const t = parseFloatTile(wft1(2, 2, 1, 5, 1, [Infinity, -Infinity]));
    expect([tileValue(t, 0), tileValue(t, 1)]).toEqual([Infinity, -Infinity]);
    const legacy = new ArrayBuffer(8 + 4);
    const dv = new DataView(legacy);
    [0x57, 0x46, 0x31, 0x36].forEach((b, i) => dv.setUint8(i, b));
    dv.setUint16(4, 2, true);
    dv.setUint16(6, 1, true);
    dv.setUint16(8, floatToHalf(1.5), true);
    dv.setUint16(10, floatToHalf(-2), true);
    const old = parseFloatTile(legacy);
    expect([tileValue(old, 0), tileValue(old, 1)]).toEqual([1.5, -2]);
  });

  it('rejects what is not a float tile', () => {
    expect(() => parseFloatTile(new ArrayBuffer(4))).toThrow();
    const bad = wft1(2, 2, 2, 0, 1, [1, 2, 3, 4]);
    expect(() => parseFloatTile(bad.slice(0, 36))).toThrow();
    new DataView(bad).setUint8(8, 3);
    expect(() => parseFloatTile(bad)).toThrow();
  });
});
