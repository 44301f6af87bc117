/**
 * The live composite canvas outside React: loads every channel's aligned f16 tiles of the level
 * that fits the canvas once, then redraws on each change of the look with no request (the GPU
 * does the transfer and the mix). Records the redraw time after each change for the browser
 * suite (`window.__webbscope.composite.redraws`).
 */
import { fetchChannelTile } from '../api/composites';
import { CompositeGl, type Sharpen, type TileDraw } from './compositeGl';
import { devicePixelsPerPixel, levelFor, placements, type GridInfo } from './tiles';
import type { ChannelLook, Finish } from './transfer';

export type { GridInfo } from './tiles';

/** The unsharp mask in composite pixels (as the recipe gives it). */
export interface SharpenLook {
  amount: number;
  radius: number;
  threshold: number;
}

export interface CompositeMetrics {
  renderer: 'webgl2' | 'server';
  tilesLoaded: number;
  complete: boolean;
  redraws: number[];
}

export class CompositeView {
  readonly metrics: CompositeMetrics;
  readonly gl: CompositeGl | null;
  private tiles: Array<{ level: number; x: number; y: number; textures: WebGLTexture[]; luminance: WebGLTexture | null }> = [];
  private looks: ChannelLook[] = [];
  private lum: ChannelLook | null = null;
  private sharpening: SharpenLook | null = null;
  private finishing: Finish | null = null;
  private vp = { width: 1, height: 1 };
  private raf = 0;
  private changedAt: number | null = null;
  private destroyed = false;
  private readonly ctrl = new AbortController();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly grid: GridInfo,
    private readonly channels: number,
    forceServer = false,
    private readonly luminance = false,
  ) {
    this.gl = forceServer ? null : CompositeGl.create(canvas, channels, luminance);
    this.metrics = { renderer: this.gl ? 'webgl2' : 'server', tilesLoaded: 0, complete: false, redraws: [] };
    const w = window as unknown as { __webbscope?: Record<string, unknown> };
    w.__webbscope = { ...w.__webbscope, composite: this.metrics };
    canvas.dataset.renderer = this.metrics.renderer;
  }

  async load(width: number, height: number): Promise<void> {
    if (!this.gl) return;
    this.vp = { width, height };
    const dpr = window.devicePixelRatio || 1;
    this.gl.resize(width, height, dpr);
    const level = levelFor(this.grid, width, dpr);
    const wanted = [...Array.from({ length: this.channels }, (_, c) => c), ...(this.luminance ? [-1] : [])];
    const jobs = placements(this.grid, level, this.vp).map((t) =>
      Promise.all(wanted.map((c) => fetchChannelTile(this.grid.id, c, level, t.x, t.y, this.ctrl.signal))).then((parts) => {
        if (this.destroyed || !this.gl) return;
        const gl = this.gl;
        const textures = parts.map((p) => gl.upload(p.words, p.width, p.height, p.alpha));
        const luminance = this.luminance ? (textures.pop() ?? null) : null;
        this.tiles.push({ level, x: t.x, y: t.y, textures, luminance });
        this.metrics.tilesLoaded += parts.length;
        this.requestRender();
      }),
    );
    await Promise.all(jobs);
    this.metrics.complete = true;
    this.canvas.dataset.complete = '1';
    this.requestRender();
  }

  setLook(looks: ChannelLook[], finish: Finish, lum: ChannelLook | null = null, sharpen: SharpenLook | null = null, changedAt = performance.now()): void {
    this.looks = looks;
    this.finishing = finish;
    this.lum = lum;
    this.sharpening = sharpen;
    if (this.changedAt === null) this.changedAt = changedAt;
    this.requestRender();
  }

  private requestRender(): void {
    if (this.raf || this.destroyed) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private render(): void {
    if (!this.gl || !this.finishing || this.looks.length !== this.channels) return;
    const byKey = new Map(this.tiles.map((t) => [`${t.level}/${t.x}/${t.y}`, t]));
    const draws: TileDraw[] = [];
    for (const level of new Set(this.tiles.map((t) => t.level))) {
      for (const p of placements(this.grid, level, this.vp)) {
        const t = byKey.get(`${level}/${p.x}/${p.y}`);
        if (t) draws.push({ textures: t.textures, luminance: t.luminance, x: p.dx, y: p.dy, w: p.dw, h: p.dh });
      }
    }
    const s = this.sharpening;
    const sharpen: Sharpen | null =
      s && s.amount > 0 ? { amount: s.amount, sigma: s.radius * devicePixelsPerPixel(this.grid, this.vp, window.devicePixelRatio || 1), threshold: s.threshold } : null;
    this.gl.draw(draws, this.looks, this.finishing, this.vp, this.lum, sharpen);
    if (this.changedAt !== null && this.metrics.complete) {
      this.gl.finish();
      const ms = performance.now() - this.changedAt;
      this.metrics.redraws.push(ms);
      this.canvas.dataset.redrawMs = ms.toFixed(1);
      this.changedAt = null;
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.ctrl.abort();
    if (this.raf) cancelAnimationFrame(this.raf);
    this.gl?.destroy();
  }
}
