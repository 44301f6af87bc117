/**
 * The live canvas without WebGL2: the engine renders the current recipe's finished RGB tiles
 * (`/api/composites/{id}/rgb/{level}/{x}/{y}.png`, every step of a full render at the level's
 * scale) and this draws the level that fits the canvas on a 2-D canvas, tile by tile as they
 * arrive. A new look is a new recipe, so a new composite id and new tiles (debounced by the
 * caller); tiles of the previous look stay on the canvas until they are replaced.
 */
import { fetchBlob } from '@/lib/api/client';
import { rgbTileUrl } from '../api/composites';
import { levelFor, placements, type GridInfo } from './tiles';

export class TiledFallback {
  private ctrl = new AbortController();
  readonly requested: string[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Draw `grid`'s tiles at the level that fits a `width` x `height` (CSS px) canvas. */
  async draw(grid: GridInfo, width: number, height: number, dpr = window.devicePixelRatio || 1): Promise<number> {
    this.ctrl.abort();
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    const ctx = this.canvas.getContext('2d');
    const level = levelFor(grid, width, dpr);
    const tiles = placements(grid, level, { width, height });
    let drawn = 0;
    await Promise.all(
      tiles.map(async (t) => {
        const url = rgbTileUrl(grid.id, t.level, t.x, t.y);
        this.requested.push(url);
        const blob = await fetchBlob(url, ctrl.signal);
        if (ctrl.signal.aborted || !ctx) return;
        const bitmap = await createImageBitmap(blob);
        if (ctrl.signal.aborted) return;
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(bitmap, t.dx * dpr, t.dy * dpr, t.dw * dpr, t.dh * dpr);
        bitmap.close?.();
        drawn += 1;
      }),
    );
    this.canvas.dataset.complete = '1';
    return drawn;
  }

  destroy(): void {
    this.ctrl.abort();
  }
}
