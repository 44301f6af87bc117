import { extLabel, extValue, selectedExt } from './extensions';

const hdus = [
  { index: 1, name: 'SCI' },
  { index: 2, name: 'raw/sci' },
  { index: 3, name: 'A,B' },
  { index: 4, name: 'WHT' },
  { index: 5, name: 'WHT' },
  { index: 6, name: '' },
];

describe('extension picker', () => {
  it('asks by name when plain and unique, else by index', () => {
    expect(hdus.map((h) => extValue(h, hdus))).toEqual(['SCI', '2', '3', '4', '5', '6']);
    expect(extLabel(hdus[1], hdus)).toBe('raw/sci [HDU 2]');
    expect(extLabel(hdus[5], hdus)).toBe('(unnamed) [HDU 6]');
    expect(extLabel(hdus[0], hdus)).toBe('SCI');
  });

  it('selects the option a name or an index in the URL means', () => {
    expect(selectedExt('SCI', hdus)).toBe('SCI');
    expect(selectedExt('1', hdus)).toBe('SCI');
    expect(selectedExt('raw/sci', hdus)).toBe('2');
    expect(selectedExt('2', hdus)).toBe('2');
    expect(selectedExt('NOPE', hdus)).toBe('NOPE');
  });
});
