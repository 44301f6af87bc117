/**
 * WebGL2 renderer of float16 tiles: each tile is an R16F texture; the stretch and colour map are
 * uniforms and lookup textures, so a change of either is one redraw of textures already on the GPU.
 */
import type { RenderParams } from '../api/types';
import { linkProgram } from '@/lib/webgl';
import { colormapLut } from './colormaps';
import { FRAGMENT, VERTEX } from './shaders';
import { STRETCH_ID } from './stretch';

export interface DrawItem {
  texture: WebGLTexture;
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
    for (const name of ['u_rect', 'u_viewport', 'u_tex', 'u_tile', 'u_cmap', 'u_histeq', 'u_vmin', 'u_vmax', 'u_stretch', 'u_contrast', 'u_bias', 'u_gamma', 'u_invert']) {
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
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
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

  setHisteq(table: Float32Array | null): void {
    const gl = this.gl;
    const data = new Uint8Array(256);
    for (let i = 0; i < 256; i++) data[i] = Math.round((table ? table[Math.round((i / 255) * (table.length - 1))] : i / 255) * 255);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.histeqTex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, 256, 1, 0, gl.RED, gl.UNSIGNED_BYTE, data);
  }

  /** Upload a float16 tile (width × height, row 0 at the top). */
  uploadF16(words: Uint16Array, width: number, height: number): WebGLTexture {
    const gl = this.gl;
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 2);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16F, width, height, 0, gl.RED, gl.HALF_FLOAT, words);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.textureBytes += width * height * 2;
    return t;
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

  draw(items: DrawItem[], p: RenderParams, vp: { width: number; height: number }, pixelated: boolean): void {
    const gl = this.gl;
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    this.setColormap(p.cmap);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.cmapTex);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.histeqTex);
    gl.uniform2f(this.u.u_viewport, vp.width, vp.height);
    gl.uniform1f(this.u.u_vmin, p.vmin);
    gl.uniform1f(this.u.u_vmax, p.vmax);
    gl.uniform1i(this.u.u_stretch, STRETCH_ID[p.stretch]);
    gl.uniform1f(this.u.u_contrast, p.contrast);
    gl.uniform1f(this.u.u_bias, p.bias);
    gl.uniform1f(this.u.u_gamma, p.gamma);
    gl.uniform1i(this.u.u_invert, p.invert ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    const filter = pixelated ? gl.NEAREST : gl.LINEAR;
    for (const it of items) {
      gl.bindTexture(gl.TEXTURE_2D, it.texture);
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
