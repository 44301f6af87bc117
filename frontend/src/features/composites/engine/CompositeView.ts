/**
 * The live composite canvas outside React: loads every channel's aligned f16 tiles of the level
 * that fits the canvas once, then redraws on each change of the look with no request (the GPU
 * does the transfer and the mix). Records the redraw time after each change for the browser
 * suite (`window.__webbscope.composite.redraws`).
 */
import { fetchChannelTile } from '../api/composites';
import { CompositeGl, type TileDraw } from './compositeGl';
import type { ChannelLook, Finish } from './transfer';

export interface CompositeMetrics {
  renderer: 'webgl2' | 'server';
  tilesLoaded: number;
  complete: boolean;
  redraws: number[];
}

export interface GridInfo {
  id: string;
  width: number;
  height: number;
  levels: number;
  tile_size: number;
}

export class CompositeView {
  readonly metrics: CompositeMetrics;
  readonly gl: CompositeGl | null;
  private tiles: Array<{ level: number; x: number; y: number; w: number; h: number; textures: WebGLTexture[] }> = [];
  private looks: ChannelLook[] = [];
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
  ) {
    this.gl = forceServer ? null : CompositeGl.create(canvas, channels);
    this.metrics = { renderer: this.gl ? 'webgl2' : 'server', tilesLoaded: 0, complete: false, redraws: [] };
    const w = window as unknown as { __webbscope?: Record<string, unknown> };
    w.__webbscope = { ...w.__webbscope, composite: this.metrics };
    canvas.dataset.renderer = this.metrics.renderer;
  }

  /** The level whose width covers the canvas (device pixels), or full resolution. */
  private level(): number {
    const top = this.grid.levels - 1;
    const want = this.vp.width * (window.devicePixelRatio || 1);
    for (let l = 0; l <= top; l++) if (Math.ceil(this.grid.width / 2 ** (top - l)) >= want) return l;
    return top;
  }

  async load(width: number, height: number): Promise<void> {
    if (!this.gl) return;
    this.vp = { width, height };
    this.gl.resize(width, height, window.devicePixelRatio || 1);
    const top = this.grid.levels - 1;
    const level = this.level();
    const scale = 2 ** (top - level);
    const T = this.grid.tile_size;
    const lw = Math.ceil(this.grid.width / scale);
    const lh = Math.ceil(this.grid.height / scale);
    const jobs: Array<Promise<void>> = [];
    for (let y = 0; y * T < lh; y++) {
      for (let x = 0; x * T < lw; x++) {
        jobs.push(
          Promise.all(Array.from({ length: this.channels }, (_, c) => fetchChannelTile(this.grid.id, c, level, x, y, this.ctrl.signal))).then((parts) => {
            if (this.destroyed || !this.gl) return;
            const gl = this.gl;
            const textures = parts.map((p) => gl.upload(p.words.subarray(0, p.width * p.height), p.width, p.height));
            this.tiles.push({ level, x, y, w: parts[0].width, h: parts[0].height, textures });
            this.metrics.tilesLoaded += parts.length;
            this.requestRender();
          }),
        );
      }
    }
    await Promise.all(jobs);
    this.metrics.complete = true;
    this.canvas.dataset.complete = '1';
    this.requestRender();
  }

  setLook(looks: ChannelLook[], finish: Finish, changedAt = performance.now()): void {
    this.looks = looks;
    this.finishing = finish;
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
    const { width: W, height: H } = this.grid;
    const fit = Math.min(this.vp.width / W, this.vp.height / H);
    const ox = (this.vp.width - W * fit) / 2;
    const oy = (this.vp.height - H * fit) / 2;
    const top = this.grid.levels - 1;
    const T = this.grid.tile_size;
    const draws: TileDraw[] = this.tiles.map((t) => {
      const s = 2 ** (top - t.level);
      const x0 = t.x * T * s;
      const y0 = t.y * T * s;
      const x1 = Math.min(W, (t.x * T + t.w) * s);
      const y1 = Math.min(H, (t.y * T + t.h) * s);
      return { textures: t.textures, x: ox + x0 * fit, y: oy + y0 * fit, w: (x1 - x0) * fit, h: (y1 - y0) * fit };
    });
    this.gl.draw(draws, this.looks, this.finishing, this.vp);
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
