import { describe, expect, it } from 'vitest';
import { histogramPercentile } from './looks';
import { backgroundRgb, curveLut, hexToLinear, hueHex, linearToSrgb, srgbToLinear, transfer, wavelengthHues, type ChannelLook } from './transfer';

// Reference numbers computed by webbscope.imaging (the engine) for the same inputs.
describe('the composite transfer agrees with the engine', () => {
  it('monotone cubic tone curves (scipy PCHIP)', () => {
    const custom = curveLut([
      [0, 0],
      [0.1, 0.6],
      [0.2, 0.62],
      [1, 1],
    ]);
    const at = [0, 10, 25, 26, 51, 128, 200, 255].map((i) => custom[i]);
    [0.0, 0.329781, 0.598923, 0.600743, 0.62, 0.720292, 0.860061, 1.0].forEach((v, i) => expect(at[i]).toBeCloseTo(v, 5));
    const s = curveLut('s-curve');
    [0.0, 0.063071, 0.170883, 0.346473, 0.502595, 0.860191, 1.0].forEach((v, i) => expect(s[[0, 30, 64, 100, 128, 200, 255][i]]).toBeCloseTo(v, 5));
  });

  it('limits, asinh, gamma, levels and the curve', () => {
    const look: ChannelLook = { vmin: 1, vmax: 11, stretch: 'asinh', a: 0.05, gamma: 0.7, black: 0.05, white: 0.9, curve: curveLut('shadows'), colour: [1, 1, 1], weight: 1, sky: 0 };
    [0, 2, 5, 10.5, 20].forEach((v, i) => expect(transfer(v, look)).toBeCloseTo([0.0, 0.70283, 0.952911, 1.0, 1.0][i], 4));
    expect(transfer(Number.NaN, look)).toBe(0);
  });

  it('the background colour neutralisation removes', () => {
    const looks = [
      [240, 1.0],
      [120, 2.0],
      [0, 0.5],
    ].map(([h, sky]): ChannelLook => ({ vmin: 0, vmax: 10, stretch: 'asinh', a: null, gamma: 1, black: 0, white: 1, curve: curveLut('linear'), colour: hexToLinear(hueHex(h)), weight: 1, sky }));
    backgroundRgb(looks).forEach((v, i) => expect(v).toBeCloseTo([0.022104, 0.197313, 0.070286][i], 5));
  });

  it('sRGB, hues and wavelength order', () => {
    expect(linearToSrgb(srgbToLinear(0.5))).toBeCloseTo(0.5, 6);
    expect(hueHex(240)).toBe('#0000ff');
    expect(hueHex(60)).toBe('#ffff00');
    expect(wavelengthHues(3)).toEqual([240, 120, 0]);
    expect(histogramPercentile([0, 10, 10, 0], [0, 1, 2, 3, 4], 50)).toBeCloseTo(2, 6);
  });
});
