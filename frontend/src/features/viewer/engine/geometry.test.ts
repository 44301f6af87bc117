import { arrayToDisplay, buildPyramid, chooseLevel, displayToArray, levelCountFor, parentTile, tileRect, tilesInRect } from './geometry';

describe('tile pyramid', () => {
  const p = buildPyramid({ shape: [1000, 1500], levels: 4, tile_size: 256 });

  it('puts the whole image in one tile at level 0 and full resolution at the last level', () => {
    expect(p.levels.map((l) => [l.width, l.height, l.tilesX, l.tilesY])).toEqual([
      [188, 125, 1, 1],
      [375, 250, 2, 1],
      [750, 500, 3, 2],
      [1500, 1000, 6, 4],
    ]);
    expect(p.levels[3].factor).toBe(1);
    expect(levelCountFor(1500, 1000, 256)).toBe(4);
    expect(levelCountFor(256, 256, 256)).toBe(1);
  });

  it('derives the level count when the server gives none', () => {
    const q = buildPyramid({ shape: [3, 1000, 1500], levels: [] as never, tile_size: 256 });
    expect(q.levels).toHaveLength(0);
    const r = buildPyramid({ shape: [1000, 1500], levels: undefined as never, tile_size: 256 });
    expect(r.levels).toHaveLength(4);
  });

  it('gives edge tiles their partial size and full-resolution extent', () => {
    const r = tileRect(p, 3, 5, 3);
    expect([r.w, r.h]).toEqual([1500 - 5 * 256, 1000 - 3 * 256]);
    expect([r.x0, r.y0, r.x1, r.y1]).toEqual([1280, 768, 1500, 1000]);
  });

  it('chooses the coarsest level that is not upsampled', () => {
    expect(chooseLevel(p, 1)).toBe(3);
    expect(chooseLevel(p, 0.5)).toBe(2);
    expect(chooseLevel(p, 0.3)).toBe(2);
    expect(chooseLevel(p, 0.1)).toBe(0);
    expect(chooseLevel(p, 4)).toBe(3);
    expect(chooseLevel(p, 0.5, 2)).toBe(3);
  });

  it('lists the tiles that intersect a rectangle', () => {
    expect(tilesInRect(p, 3, 0, 0, 300, 100)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(tilesInRect(p, 0, -100, -100, 5000, 5000)).toEqual([[0, 0]]);
    expect(parentTile(3, 5, 3, 1)).toEqual([1, 0]);
  });

  it('maps display and array coordinates both ways (north up flips rows)', () => {
    expect(displayToArray(0.5, 0.5, 1000)).toEqual([0, 999]);
    expect(displayToArray(10.5, 999.5, 1000)).toEqual([10, 0]);
    expect(arrayToDisplay(...(displayToArray(123.25, 456.75, 1000) as [number, number]), 1000)).toEqual([123.25, 456.75]);
    expect(displayToArray(0.5, 0.5, 1000, false)).toEqual([0, 0]);
  });
});
