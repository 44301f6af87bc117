/** The fallback: server-rendered image tiles drawn with Canvas 2D (no WebGL2, or forced). */
export interface ImageDrawItem {
  image: ImageBitmap;
  x: number;
  y: number;
  w: number;
  h: number;
  sx?: number;
  sy?: number;
  sw?: number;
  sh?: number;
}

export class CanvasRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private dpr = 1;

  static create(canvas: HTMLCanvasElement): CanvasRenderer | null {
    const ctx = canvas.getContext('2d', { alpha: true });
    return ctx ? new CanvasRenderer(ctx) : null;
  }

  private constructor(ctx: CanvasRenderingContext2D) {
    this.ctx = ctx;
  }

  resize(cssW: number, cssH: number, dpr: number): void {
    const c = this.ctx.canvas;
    const w = Math.max(1, Math.round(cssW * dpr));
    const h = Math.max(1, Math.round(cssH * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    this.dpr = dpr;
  }

  draw(items: ImageDrawItem[], pixelated: boolean): void {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.imageSmoothingEnabled = !pixelated;
    for (const it of items) {
      const sw = it.sw ?? it.image.width;
      const sh = it.sh ?? it.image.height;
      ctx.drawImage(it.image, it.sx ?? 0, it.sy ?? 0, sw, sh, it.x, it.y, it.w, it.h);
    }
  }
}
