/**
 * WebGL2 renderer of float tiles: each tile is an R16F (scaled float16) or R32F texture; the
 * stretch and colour map are uniforms and lookup textures (the engine's tables), so a change of
 * either is one redraw of textures already on the GPU. It renders as the engine does, to the
 * 8-bit index (see shaders.ts).
 */
import type { RenderParams } from '../api/types';
import { floatTexture, linkProgram } from '@/lib/webgl';
import { colormapLut } from './colormaps';
import type { FloatTile } from './floatTile';
import { FRAGMENT, VERTEX } from './shaders';
import { STRETCH_ID, stretchConstants } from './stretch';

/** The display limits and the NaN colour (0-255 RGBA) the shader needs beyond RenderParams. */
export type NanColour = [number, number, number, number];

export interface DrawItem {
  texture: WebGLTexture;
  /** value = offset + scale · texel */
  offset: number;
  scale: number;
  /** float32 textures without linear filtering are drawn with NEAREST */
  nearestOnly?: boolean;
  /** Screen rectangle in CSS pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Sub-rectangle of the texture to draw (0..1); the whole texture by default. */
  u0?: number;
  v0?: number;
  du?: number;
  dv?: number;
}

export class GlRenderer {
  readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly u: Record<string, WebGLUniformLocation | null> = {};
  private readonly cmapTex: WebGLTexture;
  private readonly histeqTex: WebGLTexture;
  private cmapName = '';
  private readonly floatLinear: boolean;
  textureBytes = 0;

  static create(canvas: HTMLCanvasElement): GlRenderer | null {
    const gl = canvas.getContext('webgl2', { alpha: true, antialias: false, premultipliedAlpha: false, preserveDrawingBuffer: false });
    if (!gl) return null;
    try {
      return new GlRenderer(gl);
    } catch (err) {
      console.warn('WebGL2 renderer unavailable:', err);
      return null;
    }
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    const p = linkProgram(gl, VERTEX, FRAGMENT);
    this.program = p;
    gl.useProgram(p);
    this.floatLinear = !!gl.getExtension('OES_texture_float_linear');
    for (const name of ['u_rect', 'u_viewport', 'u_tex', 'u_tile', 'u_cmap', 'u_histeq', 'u_offset', 'u_scale', 'u_vmin', 'u_invspan', 'u_stretch', 'u_a', 'u_anorm', 'u_contrast', 'u_bias', 'u_gamma', 'u_invert', 'u_nan']) {
      this.u[name] = gl.getUniformLocation(p, name);
    }
    const vao = gl.createVertexArray();
    gl.bindVertexArray(vao);
    const buf = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const loc = gl.getAttribLocation(p, 'a_unit');
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
    this.cmapTex = this.lutTexture();
    this.histeqTex = this.lutTexture();
    this.setNanColour([0, 0, 0, 0]);
    this.setHisteq(null);
    gl.uniform1i(this.u.u_tile, 0);
    gl.uniform1i(this.u.u_cmap, 1);
    gl.uniform1i(this.u.u_histeq, 2);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  }

  private lutTexture(): WebGLTexture {
    const gl = this.gl;
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return t;
  }

  setColormap(name: RenderParams['cmap']): void {
    if (name === this.cmapName) return;
    const gl = this.gl;
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.cmapTex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, colormapLut(name));
    this.cmapName = name;
  }

  /** The histeq curve at 65,536 evenly spaced points of [0, 1] (the engine's lookup), or the identity. */
  setHisteq(curve: Float32Array | null): void {
    const gl = this.gl;
    const data = new Float32Array(65536);
    if (curve && curve.length === 65536) data.set(curve);
    else for (let i = 0; i < 65536; i++) data[i] = i / 65535;
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.histeqTex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, 256, 256, 0, gl.RED, gl.FLOAT, data);
  }

  setNanColour(c: NanColour): void {
    this.gl.useProgram(this.program);
    this.gl.uniform4f(this.u.u_nan, c[0] / 255, c[1] / 255, c[2] / 255, c[3] / 255);
  }

  /** Upload a float tile (row 0 at the top) as an R16F or R32F texture. */
  upload(t: FloatTile, width = t.width, height = t.height): WebGLTexture {
    const gl = this.gl;
    gl.activeTexture(gl.TEXTURE0);
    const tex = floatTexture(gl, t.kind, t.samples.subarray(0, width * height), width, height);
    this.textureBytes += width * height * (t.kind === 'f16' ? 2 : 4);
    return tex;
  }

  /** Whether float32 textures can be filtered linearly here. */
  get canFilterFloat32(): boolean {
    return this.floatLinear;
  }

  deleteTexture(t: WebGLTexture, bytes: number): void {
    this.gl.deleteTexture(t);
    this.textureBytes -= bytes;
  }

  resize(cssW: number, cssH: number, dpr: number): void {
    const c = this.gl.canvas as HTMLCanvasElement;
    const w = Math.max(1, Math.round(cssW * dpr));
    const h = Math.max(1, Math.round(cssH * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
  }

  draw(items: DrawItem[], p: RenderParams, vp: { width: number; height: number }, pixelated: boolean, clear = true): void {
    const gl = this.gl;
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    if (clear) {
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
    }
    gl.useProgram(this.program);
    this.setColormap(p.cmap);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.cmapTex);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.histeqTex);
    gl.uniform2f(this.u.u_viewport, vp.width, vp.height);
    const span = p.vmax - p.vmin;
    gl.uniform1f(this.u.u_vmin, p.vmin);
    gl.uniform1f(this.u.u_invspan, span !== 0 ? Math.fround(1 / span) : 1);
    gl.uniform1i(this.u.u_stretch, STRETCH_ID[p.stretch]);
    const { a, norm } = stretchConstants(p.stretch, p.a);
    gl.uniform1f(this.u.u_a, a);
    gl.uniform1f(this.u.u_anorm, norm);
    gl.uniform1f(this.u.u_contrast, p.contrast);
    gl.uniform1f(this.u.u_bias, p.bias);
    gl.uniform1f(this.u.u_gamma, p.gamma);
    gl.uniform1i(this.u.u_invert, p.invert ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    for (const it of items) {
      const filter = pixelated || (it.nearestOnly && !this.floatLinear) ? gl.NEAREST : gl.LINEAR;
      gl.bindTexture(gl.TEXTURE_2D, it.texture);
      gl.uniform1f(this.u.u_offset, it.offset);
      gl.uniform1f(this.u.u_scale, it.scale);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
      gl.uniform4f(this.u.u_rect, it.x, it.y, it.w, it.h);
      gl.uniform4f(this.u.u_tex, it.u0 ?? 0, it.v0 ?? 0, it.du ?? 1, it.dv ?? 1);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
  }

  /** Wait for the GPU (used only when measuring latency). */
  finish(): void {
    this.gl.finish();
  }

  isLost(): boolean {
    return this.gl.isContextLost();
  }
}
