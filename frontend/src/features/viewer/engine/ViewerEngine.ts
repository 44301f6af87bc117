/**
 * The viewer's render loop, outside React: pan/zoom state, the tile pyramid and cache, the GPU
 * (or 2-D fallback) renderer and the overlay. React feeds it parameters; input handlers call
 * its methods; it draws at most once per animation frame.
 */
import { fetchF16Tile, fetchImageTile, fetchView, tileUrl } from '../api/viewer';
import type { GridData, ImageInfo, RenderParams } from '../api/types';
import { CanvasRenderer, type ImageDrawItem } from './canvasRenderer';
import { parseFloatTile, tileValue, type FloatTile } from './floatTile';
import { drawScene, type Scene } from '../layers/scene';
import { arrayToDisplay, buildPyramid, chooseLevel, displayToArray, parentTile, tileRect, tilesInRect, type Pyramid } from './geometry';
import { GlRenderer, type DrawItem, type NanColour } from './glRenderer';
import { drawOverlay, pixelScaleFromWcs, type OverlayState } from './overlay';
import { histeqTable } from './stretch';
import { TileCache, type Loaded } from './tileCache';
import { clampCentre, fitView, imageToScreen, panBy, screenToImage, visibleRect, zoomAt, type View, type Viewport } from './view';

type GlTile = { kind: 'gl'; texture: WebGLTexture; tile: FloatTile; texW: number; texH: number; w: number; h: number };
type ImgTile = { kind: 'img'; bitmap: ImageBitmap; w: number; h: number };
type Tile = GlTile | ImgTile;

export type RendererKind = 'webgl2' | 'canvas2d';

export interface ViewerMetrics {
  renderer: RendererKind;
  /** WebGL contexts lost and restored since the viewer opened. */
  contextLosses: number;
  contextRestores: number;
  frames: number;
  tilesLoaded: number;
  stretchLatencies: number[];
  complete: boolean;
}

declare global {
  interface Window {
    __webbscope?: { viewer?: ViewerMetrics; viewerDebug?: ViewerDebug };
  }
}

/** Test hooks: draw one real tile 1:1 with the real renderer and read its pixels back. */
export interface ViewerDebug {
  renderTile(level: number, x: number, y: number, params: RenderParams, format?: 'f16' | 'f32'): Promise<{ width: number; height: number; kind: string; rgba: number[] } | null>;
  /** The engine's PNG tile of the same parameters, decoded. */
  engineTile(level: number, x: number, y: number, params: RenderParams): Promise<{ width: number; height: number; rgba: number[] }>;
}

/** '#rrggbb' (or '#rrggbbaa') → RGBA 0-255; anything else is transparent. */
export function parseNanColour(text: string): NanColour {
  const m = /^#?([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(text.trim());
  if (!m) return [0, 0, 0, 0];
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, m[2] ? parseInt(m[2], 16) : 255];
}

export interface EngineOptions {
  canvas: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  recordId: string;
  info: ImageInfo;
  params: RenderParams;
  forceCanvas?: boolean;
  onViewChange?: (v: View) => void;
  /** Float tiles to ask for: f16 (scaled float16, float32 where needed; the default) or f32 (always exact). */
  floatTiles?: 'f16' | 'f32';
  /** The f16 tiles cannot be had (4xx): the caller should fall back to image tiles. */
  onF16Unavailable?: () => void;
  /** The WebGL context was lost and could not be restored: the caller should fall back to 2-D. */
  onContextLost?: () => void;
}

const CLIENT_SIDE: Array<keyof RenderParams> = ['stretch', 'interval', 'vmin', 'vmax', 'cmap', 'invert', 'contrast', 'bias', 'gamma', 'a', 'nan'];
/** How long a lost context may take to come back before the viewer falls back to 2-D. */
const RESTORE_WAIT_MS = 3000;

export class ViewerEngine {
  readonly kind: RendererKind;
  view: View = { cx: 0, cy: 0, zoom: 1 };
  vp: Viewport = { width: 1, height: 1 };
  readonly pyramid: Pyramid;
  readonly metrics: ViewerMetrics;
  private gl: GlRenderer | null;
  private readonly c2d: CanvasRenderer | null;
  private readonly cache: TileCache<Tile>;
  private readonly overlayCtx: CanvasRenderingContext2D | null;
  private readonly o: EngineOptions;
  private params: RenderParams;
  private generation = '';
  private previousGeneration = '';
  private dpr = 1;
  private raf = 0;
  private fitted = false;
  private pendingChangeAt: number | null = null;
  private readonly overlayState: OverlayState;
  private destroyed = false;
  private f16Failures = 0;
  private scene: Scene | null = null;
  private lostTimer = 0;
  private readonly curves = new Map<string, Float32Array>();
  private curveWanted = '';
  /** A cube's histeq draw waits for the engine's curve of the shown plane (see updateHisteq). */
  private histeqHeld = false;
  private readonly onLost = (e: Event) => this.contextLost(e);
  private readonly onRestored = () => this.contextRestored();

  constructor(o: EngineOptions) {
    this.o = o;
    this.params = o.params;
    this.pyramid = buildPyramid(o.info);
    this.gl = o.forceCanvas ? null : GlRenderer.create(o.canvas);
    this.c2d = this.gl ? null : CanvasRenderer.create(o.canvas);
    this.kind = this.gl ? 'webgl2' : 'canvas2d';
    this.overlayCtx = o.overlay.getContext('2d');
    this.overlayState = {
      grid: null,
      showGrid: false,
      arcsecPerPixel: pixelScaleFromWcs(o.info.wcs),
      pinned: null,
      height: this.pyramid.height,
      flipY: o.info.flip_y ?? true,
    };
    this.metrics = { renderer: this.kind, contextLosses: 0, contextRestores: 0, frames: 0, tilesLoaded: 0, stretchLatencies: [], complete: false };
    window.__webbscope = { ...window.__webbscope, viewer: this.metrics, viewerDebug: { renderTile: (l, x, y, p, f) => this.renderTileForTest(l, x, y, p, f), engineTile: (l, x, y, p) => this.engineTileForTest(l, x, y, p) } };
    if (this.gl) {
      o.canvas.addEventListener('webglcontextlost', this.onLost);
      o.canvas.addEventListener('webglcontextrestored', this.onRestored);
    }
    o.canvas.dataset.renderer = this.kind;
    this.cache = new TileCache<Tile>({
      load: (key, signal) => this.load(key, signal),
      dispose: (t) => this.dispose(t),
      onLoaded: () => {
        this.metrics.tilesLoaded++;
        this.requestRender();
      },
      maxBytes: this.gl ? 96 * 1024 * 1024 : 128 * 1024 * 1024,
      concurrency: 6,
    });
    this.generation = this.generationOf(this.params);
    this.updateHisteq();
    this.gl?.setNanColour(parseNanColour(this.params.nan));
  }

  private get floatFormat(): 'f16' | 'f32' {
    return this.o.floatTiles ?? 'f16';
  }

  get width(): number {
    return this.pyramid.width;
  }

  get height(): number {
    return this.pyramid.height;
  }

  get flipY(): boolean {
    return this.overlayState.flipY;
  }

  private generationOf(p: RenderParams): string {
    const base = `${p.ext}:${p.slice}`;
    if (this.gl) return base;
    return `${base}:${p.stretch}:${p.interval}:${p.vmin}:${p.vmax}:${p.cmap}:${p.invert}:${p.contrast}:${p.bias}:${p.gamma}:${p.a}:${p.nan}`;
  }

  // ---- inputs -------------------------------------------------------------------------------

  resize(width: number, height: number, dpr = window.devicePixelRatio || 1): void {
    this.vp = { width: Math.max(1, width), height: Math.max(1, height) };
    this.dpr = dpr;
    this.gl?.resize(width, height, dpr);
    this.c2d?.resize(width, height, dpr);
    const oc = this.o.overlay;
    oc.width = Math.max(1, Math.round(width * dpr));
    oc.height = Math.max(1, Math.round(height * dpr));
    if (!this.fitted) this.fit();
    else this.requestRender();
  }

  get minZoom(): number {
    return fitView(this.width, this.height, this.vp).zoom / 4;
  }

  fit(): void {
    this.fitted = true;
    this.setView(fitView(this.width, this.height, this.vp));
  }

  setView(v: View): void {
    this.view = clampCentre(v, this.width, this.height);
    this.o.onViewChange?.(this.view);
    this.requestRender();
  }

  zoomBy(factor: number, sx = this.vp.width / 2, sy = this.vp.height / 2): void {
    this.setView(zoomAt(this.view, this.vp, factor, sx, sy, this.minZoom));
  }

  /** Zoom so that one image pixel is `zoom` screen pixels, about the centre. */
  zoomTo(zoom: number): void {
    this.zoomBy(zoom / this.view.zoom);
  }

  pan(dx: number, dy: number): void {
    this.setView(panBy(this.view, dx, dy));
  }

  /** Screen (CSS px, relative to the canvas) → display image coordinates. */
  toDisplay(sx: number, sy: number): [number, number] {
    return screenToImage(this.view, this.vp, sx, sy);
  }

  inImage(dx: number, dy: number): boolean {
    return dx >= 0 && dy >= 0 && dx < this.width && dy < this.height;
  }

  setParams(p: RenderParams, changedAt = performance.now()): void {
    const prev = this.params;
    this.params = p;
    const gen = this.generationOf(p);
    if (gen !== this.generation) {
      this.previousGeneration = this.generation;
      this.generation = gen;
    }
    if (p.stretch === 'histeq' && (prev.stretch !== 'histeq' || prev.vmin !== p.vmin || prev.vmax !== p.vmax)) this.updateHisteq();
    if (p.nan !== prev.nan) this.gl?.setNanColour(parseNanColour(p.nan));
    if (CLIENT_SIDE.some((k) => prev[k] !== p[k])) this.pendingChangeAt = changedAt;
    this.requestRender();
  }

  setGrid(grid: GridData | null): void {
    this.overlayState.grid = grid;
    this.requestRender();
  }

  setShowGrid(show: boolean): void {
    this.overlayState.showGrid = show;
    this.requestRender();
  }

  /** The analysis overlays (regions, catalogue, contours, annotations) drawn above the image. */
  setScene(scene: Scene | null): void {
    this.scene = scene;
    this.requestRender();
  }

  /** Array coordinates (0-based FITS pixels, y up) → screen (CSS px). */
  project = (ax: number, ay: number): [number, number] => {
    const [dx, dy] = arrayToDisplay(ax, ay, this.height, this.flipY);
    return imageToScreen(this.view, this.vp, dx, dy);
  };

  /** Display coordinates → array coordinates. */
  toArray(d: [number, number]): [number, number] {
    return displayToArray(d[0], d[1], this.height, this.flipY);
  }

  setPinned(display: [number, number] | null): void {
    this.overlayState.pinned = display;
    this.requestRender();
  }

  /** The value at a display position from a loaded full-resolution float tile, if any. */
  valueAt(dx: number, dy: number): number | null {
    if (!this.gl || !this.inImage(dx, dy)) return null;
    const L = this.pyramid.levels.length - 1;
    const T = this.pyramid.tileSize;
    const px = Math.floor(dx);
    const py = Math.floor(dy);
    const tx = Math.floor(px / T);
    const ty = Math.floor(py / T);
    const t = this.cache.get(`${this.generation}|${L}/${tx}/${ty}`);
    if (!t || t.kind !== 'gl') return null;
    const i = (py - ty * T) * t.texW + (px - tx * T);
    return i >= 0 && i < t.tile.samples.length ? tileValue(t.tile, i) : null;
  }

  /**
   * The histeq curve: the engine's own (fetched once per plane and limits, so WebGL draws the
   * engine's pixels). Until it arrives, a 2-D image uses one made from its histogram (its own, so
   * close, and dragging the limits stays live); a cube holds its last frame instead (`histeqHeld`:
   * its histogram is the whole cube's, whose curve can differ wholly from the shown plane's), and
   * falls back to that approximation only if the engine's curve cannot be had.
   */
  private updateHisteq(): void {
    if (!this.gl || this.params.stretch !== 'histeq') {
      this.histeqHeld = false;
      return;
    }
    const p = this.params;
    const key = `${p.ext}:${p.slice}:${p.interval}:${p.vmin}:${p.vmax}`;
    const known = this.curves.get(key);
    if (known) {
      this.gl.setHisteq(known);
      this.histeqHeld = false;
      return;
    }
    const approximate = () => {
      const h = this.o.info.histogram;
      this.gl?.setHisteq(h ? histeqTable(h.counts, h.edges, p.vmin, p.vmax, 65536) : null);
      this.histeqHeld = false;
    };
    if ((this.o.info.cube?.size ?? 1) > 1) this.histeqHeld = true;
    else approximate();
    if (this.curveWanted === key) return;
    this.curveWanted = key;
    fetchView(this.o.recordId, p)
      .then((v) => {
        if (v.curve) {
          this.curves.set(key, v.curve);
          if (this.curves.size > 8) this.curves.delete(this.curves.keys().next().value as string);
        }
        if (this.curveWanted === key && !this.destroyed) {
          if (v.curve) this.updateHisteq();
          else if (this.histeqHeld) approximate();
          this.pendingChangeAt ??= performance.now();
          this.requestRender();
        }
      })
      .catch(() => {
        if (this.curveWanted !== key || this.destroyed) return;
        this.curveWanted = '';
        if (this.histeqHeld) {
          approximate();
          this.requestRender();
        }
      });
  }

  /** Resolves once the engine's histeq curve for these parameters is in (test hook). */
  private async histeqReady(p: RenderParams): Promise<void> {
    const key = `${p.ext}:${p.slice}:${p.interval}:${p.vmin}:${p.vmax}`;
    if (p.stretch !== 'histeq' || this.curves.has(key)) return;
    const v = await fetchView(this.o.recordId, p);
    if (v.curve) this.curves.set(key, v.curve);
  }

  // ---- WebGL context loss ----------------------------------------------------------------------

  private contextLost(e: Event): void {
    e.preventDefault(); // ask for a restore
    this.metrics.contextLosses++;
    this.o.canvas.dataset.context = 'lost';
    // The textures went with the context: forget them without touching the dead context.
    const gl = this.gl;
    this.gl = null;
    this.cache.clear();
    this.gl = gl;
    window.clearTimeout(this.lostTimer);
    this.lostTimer = window.setTimeout(() => {
      if (this.gl?.isLost()) this.o.onContextLost?.();
    }, RESTORE_WAIT_MS);
  }

  private contextRestored(): void {
    window.clearTimeout(this.lostTimer);
    const gl = GlRenderer.create(this.o.canvas);
    if (!gl) {
      this.o.onContextLost?.();
      return;
    }
    this.gl = gl;
    this.cache.clear(); // tiles that failed while the context was gone load again at once
    this.metrics.contextRestores++;
    this.o.canvas.dataset.context = 'restored';
    gl.setNanColour(parseNanColour(this.params.nan));
    this.updateHisteq();
    this.resize(this.vp.width, this.vp.height, this.dpr);
    this.requestRender();
  }

  private async engineTileForTest(level: number, x: number, y: number, p: RenderParams) {
    const blob = await fetchImageTile(tileUrl(this.o.recordId, level, x, y, 'png', p));
    const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const c = document.createElement('canvas');
    c.width = bitmap.width;
    c.height = bitmap.height;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2-D context');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, rgba: Array.from(data) };
  }

  /** Test hook (see ViewerDebug): one tile fetched as the viewer fetches it, drawn 1:1. */
  private async renderTileForTest(level: number, x: number, y: number, p: RenderParams, format: 'f16' | 'f32' = this.floatFormat) {
    const gl = this.gl;
    if (!gl || gl.isLost()) return null;
    const tile = parseFloatTile(await fetchF16Tile(tileUrl(this.o.recordId, level, x, y, format, p)));
    await this.histeqReady(p);
    const saved = this.params;
    this.params = p;
    this.updateHisteq();
    gl.setNanColour(parseNanColour(p.nan));
    const texture = gl.upload(tile);
    const ctx = gl.gl;
    const W = ctx.drawingBufferWidth;
    const H = ctx.drawingBufferHeight;
    const w = Math.min(tile.width, W);
    const h = Math.min(tile.height, H);
    gl.draw([{ texture, offset: tile.offset, scale: tile.scale, x: 0, y: 0, w: tile.width, h: tile.height }], p, { width: W, height: H }, true);
    const out = new Uint8Array(w * h * 4);
    ctx.readPixels(0, H - h, w, h, ctx.RGBA, ctx.UNSIGNED_BYTE, out);
    gl.deleteTexture(texture, tile.width * tile.height * (tile.kind === 'f16' ? 2 : 4));
    this.params = saved;
    this.updateHisteq();
    gl.setNanColour(parseNanColour(saved.nan));
    this.requestRender();
    // rows bottom-up → top-down
    const rgba: number[] = new Array(w * h * 4);
    for (let r = 0; r < h; r++) for (let i = 0; i < w * 4; i++) rgba[r * w * 4 + i] = out[(h - 1 - r) * w * 4 + i];
    return { width: w, height: h, kind: tile.kind, rgba };
  }

  // ---- tiles --------------------------------------------------------------------------------

  private async load(key: string, signal: AbortSignal): Promise<Loaded<Tile>> {
    const [, pos] = key.split('|');
    const [level, x, y] = pos.split('/').map(Number);
    const rect = tileRect(this.pyramid, level, x, y);
    if (this.gl) {
      const url = tileUrl(this.o.recordId, level, x, y, this.floatFormat, this.params);
      let buf: ArrayBuffer;
      try {
        buf = await fetchF16Tile(url, signal);
      } catch (err) {
        const status = (err as { status?: number }).status ?? 0;
        if (status >= 400 && status < 500 && status !== 404 && ++this.f16Failures >= 2) this.o.onF16Unavailable?.();
        throw err;
      }
      const tile = parseFloatTile(buf);
      const gl = this.gl;
      if (!gl || gl.isLost()) throw new Error('WebGL context lost');
      const texture = gl.upload(tile);
      const texW = tile.width;
      const texH = tile.height;
      return { value: { kind: 'gl', texture, tile, texW, texH, w: Math.min(rect.w, texW), h: Math.min(rect.h, texH) }, bytes: texW * texH * 4 };
    }
    const fmt = 'webp';
    const blob = await fetchImageTile(tileUrl(this.o.recordId, level, x, y, fmt, this.params), signal);
    const bitmap = await createImageBitmap(blob);
    return { value: { kind: 'img', bitmap, w: rect.w, h: rect.h }, bytes: bitmap.width * bitmap.height * 4 };
  }

  private dispose(t: Tile): void {
    if (t.kind === 'gl') {
      if (this.gl && !this.gl.isLost()) this.gl.deleteTexture(t.texture, t.texW * t.texH * (t.tile.kind === 'f16' ? 2 : 4));
    } else t.bitmap.close();
  }

  // ---- drawing ------------------------------------------------------------------------------

  requestRender(): void {
    if (this.raf || this.destroyed) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private screenRect(level: number, x: number, y: number): { x: number; y: number; w: number; h: number } {
    const r = tileRect(this.pyramid, level, x, y);
    const [sx0, sy0] = imageToScreen(this.view, this.vp, r.x0, r.y0);
    const [sx1, sy1] = imageToScreen(this.view, this.vp, r.x1, r.y1);
    return { x: sx0, y: sy0, w: sx1 - sx0, h: sy1 - sy0 };
  }

  render(): void {
    if (this.destroyed) return;
    const p = this.pyramid;
    this.cache.beginFrame();
    const level = chooseLevel(p, this.view.zoom, this.dpr);
    const [x0, y0, x1, y1] = visibleRect(this.view, this.vp);
    const tiles = tilesInRect(p, level, x0, y0, x1, y1);
    const span = p.tileSize * p.levels[level].factor;
    tiles.sort(
      (a, b) =>
        Math.hypot((a[0] + 0.5) * span - this.view.cx, (a[1] + 0.5) * span - this.view.cy) -
        Math.hypot((b[0] + 0.5) * span - this.view.cx, (b[1] + 0.5) * span - this.view.cy),
    );
    const gen = this.generation;
    const key = (g: string, l: number, x: number, y: number) => `${g}|${l}/${x}/${y}`;
    // The whole image at level 0 first: it is the placeholder of last resort.
    this.cache.request(key(gen, 0, 0, 0));
    for (const [x, y] of tiles) this.cache.request(key(gen, level, x, y));
    this.cache.flush();

    const fallbacks = new Map<string, [string, number, number, number]>();
    const exact: Array<[string, number, number, number]> = [];
    let missing = 0;
    for (const [x, y] of tiles) {
      const k = key(gen, level, x, y);
      if (this.cache.get(k)) {
        exact.push([k, level, x, y]);
        continue;
      }
      missing++;
      // Until it arrives: the same tile from before a slice or parameter change, else the
      // nearest loaded coarser tile.
      const prev = this.previousGeneration && key(this.previousGeneration, level, x, y);
      if (prev && this.cache.get(prev)) {
        fallbacks.set(prev, [prev, level, x, y]);
        continue;
      }
      for (let l = level - 1; l >= 0; l--) {
        const [px, py] = parentTile(level, x, y, l);
        for (const g of [gen, this.previousGeneration]) {
          const pk = g && key(g, l, px, py);
          if (pk && this.cache.get(pk)) {
            fallbacks.set(pk, [pk, l, px, py]);
            l = -1;
            break;
          }
        }
      }
    }
    const order = [...fallbacks.values()].sort((a, b) => a[1] - b[1]).concat(exact);
    const pixelated = this.view.zoom * this.dpr > 1.5;
    const held = this.gl !== null && this.histeqHeld && this.params.stretch === 'histeq';
    if (held) missing++; // not complete until the plane's curve is in and drawn
    if (this.gl) {
      const items: DrawItem[] = [];
      for (const [k, l, x, y] of order) {
        const t = this.cache.get(k) as GlTile | undefined;
        if (!t) continue;
        items.push({ texture: t.texture, offset: t.tile.offset, scale: t.tile.scale, nearestOnly: t.tile.kind === 'f32', ...this.screenRect(l, x, y), du: t.w / t.texW, dv: t.h / t.texH });
      }
      // A held histeq frame draws nothing: the canvas keeps showing the last frame drawn.
      if (!this.gl.isLost() && !held) this.gl.draw(items, this.params, this.vp, pixelated);
    } else if (this.c2d) {
      const items: ImageDrawItem[] = [];
      for (const [k, l, x, y] of order) {
        const t = this.cache.get(k) as ImgTile | undefined;
        if (t) items.push({ image: t.bitmap, ...this.screenRect(l, x, y) });
      }
      this.c2d.draw(items, pixelated);
    }
    if (this.overlayCtx) {
      drawOverlay(this.overlayCtx, this.dpr, this.view, this.vp, this.overlayState);
      if (this.scene) drawScene(this.overlayCtx, this.project, this.view.zoom, this.scene);
    }

    this.metrics.frames++;
    this.metrics.complete = missing === 0;
    this.o.canvas.dataset.complete = missing === 0 ? '1' : '0';
    this.o.canvas.dataset.level = String(level);
    // A stretch/colour-map change counts as shown once a frame is drawn with it (with WebGL, on
    // the tiles already loaded; with image tiles, once the re-rendered tiles are all in).
    if (this.pendingChangeAt !== null && ((this.gl && !held) || missing === 0)) {
      this.gl?.finish();
      this.metrics.stretchLatencies.push(performance.now() - this.pendingChangeAt);
      this.pendingChangeAt = null;
      this.o.canvas.dataset.latency = this.metrics.stretchLatencies.at(-1)?.toFixed(1);
    }
  }

  destroy(): void {
    this.destroyed = true;
    if (this.raf) cancelAnimationFrame(this.raf);
    window.clearTimeout(this.lostTimer);
    this.o.canvas.removeEventListener('webglcontextlost', this.onLost);
    this.o.canvas.removeEventListener('webglcontextrestored', this.onRestored);
    this.cache.clear();
    const ext = this.gl?.gl.getExtension('WEBGL_lose_context');
    ext?.loseContext();
  }
}
