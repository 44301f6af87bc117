/** WebGL2 drawing of the live composite: channel tiles as RG16F textures (value, coverage alpha),
 *  the look as uniforms, and the unsharp mask as a second pass over an offscreen picture. */
import { linkProgram } from '@/lib/webgl';
import { FULLSCREEN, fragmentShader, LUM_SLOT, MAX_CHANNELS, SHARPEN, VERTEX } from './shader';
import { backgroundRgb, hueMatrix, mixWeights, STRETCH_ID, type ChannelLook, type Finish } from './transfer';

export interface TileDraw {
  textures: WebGLTexture[];
  /** The luminance channel's texture (LRGB), when the composite has one. */
  luminance?: WebGLTexture | null;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Sharpening on the canvas: the amount, radius in device pixels and threshold. */
export interface Sharpen {
  amount: number;
  sigma: number;
  threshold: number;
}

const ONE_HALF = 0x3c00; // 1.0 as float16

/** Interleave values and alpha (1 where none is given) as RG float16 words. */
export function interleave(words: Uint16Array, alpha: Uint16Array | null): Uint16Array {
  const out = new Uint16Array(words.length * 2);
  for (let i = 0; i < words.length; i++) {
    out[2 * i] = words[i];
    out[2 * i + 1] = alpha ? alpha[i] : ONE_HALF;
  }
  return out;
}

export class CompositeGl {
  readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly sharpen: WebGLProgram;
  private readonly curves: WebGLTexture;
  private readonly loc = new Map<string, WebGLUniformLocation | null>();
  private readonly quad: WebGLVertexArrayObject | null;
  private target: { fb: WebGLFramebuffer; tex: WebGLTexture; w: number; h: number } | null = null;

  static create(canvas: HTMLCanvasElement, channels: number, luminance = false): CompositeGl | null {
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) return null;
    try {
      return new CompositeGl(gl, channels, luminance);
    } catch (err) {
      console.warn('WebGL2 composite renderer unavailable:', err);
      return null;
    }
  }

  private constructor(
    gl: WebGL2RenderingContext,
    private readonly n: number,
    private readonly luminance: boolean,
  ) {
    this.gl = gl;
    const p = linkProgram(gl, VERTEX, fragmentShader(n, luminance));
    this.program = p;
    this.sharpen = linkProgram(gl, FULLSCREEN, SHARPEN);
    gl.useProgram(p);
    const vao = gl.createVertexArray();
    this.quad = vao;
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const a = gl.getAttribLocation(p, 'a_unit');
    gl.enableVertexAttribArray(a);
    gl.vertexAttribPointer(a, 2, gl.FLOAT, false, 0, 0);
    const b = gl.getAttribLocation(this.sharpen, 'a_unit');
    if (b !== a && b >= 0) {
      gl.enableVertexAttribArray(b);
      gl.vertexAttribPointer(b, 2, gl.FLOAT, false, 0, 0);
    }
    for (let i = 0; i < n; i++) gl.uniform1i(this.u(`u_c${i}`), i);
    if (luminance) gl.uniform1i(this.u('u_lum'), MAX_CHANNELS + 1);
    gl.uniform1i(this.u('u_curves'), MAX_CHANNELS);
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    this.curves = t;
  }

  private u(name: string, program: WebGLProgram = this.program): WebGLUniformLocation | null {
    const key = program === this.program ? name : `sharpen:${name}`;
    if (!this.loc.has(key)) this.loc.set(key, this.gl.getUniformLocation(program, name));
    return this.loc.get(key) ?? null;
  }

  /** A float16 tile (row 0 at the top) and its alpha as an RG16F texture. */
  upload(words: Uint16Array, width: number, height: number, alpha: Uint16Array | null = null): WebGLTexture {
    const gl = this.gl;
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RG16F, width, height, 0, gl.RG, gl.HALF_FLOAT, interleave(words, alpha));
    for (const [k, v] of [
      [gl.TEXTURE_MIN_FILTER, gl.LINEAR],
      [gl.TEXTURE_MAG_FILTER, gl.LINEAR],
      [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE],
      [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE],
    ])
      gl.texParameteri(gl.TEXTURE_2D, k, v);
    return t;
  }

  resize(cssW: number, cssH: number, dpr: number): void {
    const c = this.gl.canvas as HTMLCanvasElement;
    c.width = Math.max(1, Math.round(cssW * dpr));
    c.height = Math.max(1, Math.round(cssH * dpr));
  }

  private setLook(looks: ChannelLook[], finish: Finish, lum: ChannelLook | null): void {
    const gl = this.gl;
    const n = MAX_CHANNELS + 1;
    const slot = (i: number) => (i === LUM_SLOT ? lum : looks[i]) ?? null;
    const pad = (f: (c: ChannelLook) => number) =>
      Float32Array.from({ length: n }, (_, i) => {
        const c = slot(i);
        return c ? f(c) : 0;
      });
    gl.uniform1fv(this.u('u_vmin'), pad((c) => c.vmin));
    gl.uniform1fv(this.u('u_vmax'), pad((c) => c.vmax));
    gl.uniform1fv(this.u('u_a'), pad((c) => c.a ?? (c.stretch === 'log' ? 1000 : c.stretch === 'sinh' ? 1 / 3 : 0.1)));
    gl.uniform1fv(this.u('u_gamma'), pad((c) => c.gamma));
    gl.uniform1fv(this.u('u_black'), pad((c) => c.black));
    gl.uniform1fv(this.u('u_white'), pad((c) => c.white));
    gl.uniform1iv(
      this.u('u_stretch'),
      Int32Array.from({ length: n }, (_, i) => {
        const c = slot(i);
        return c ? STRETCH_ID[c.stretch] : 0;
      }),
    );
    const weights = mixWeights(looks);
    gl.uniform3fv(this.u('u_colour'), Float32Array.from({ length: 3 * MAX_CHANNELS }, (_, k) => weights[Math.floor(k / 3)]?.[k % 3] ?? 0));
    gl.uniform1i(this.u('u_neutralise'), finish.neutralise ? 1 : 0);
    gl.uniform3fv(this.u('u_bg'), backgroundRgb(looks));
    gl.uniform3f(this.u('u_levels'), finish.black, finish.white, finish.midtones);
    gl.uniform1f(this.u('u_saturation'), finish.saturation);
    gl.uniform1f(this.u('u_vibrance'), finish.vibrance);
    gl.uniformMatrix3fv(this.u('u_hue'), true, hueMatrix(finish.hue));
    const table = new Float32Array(256 * n);
    looks.forEach((c, i) => table.set(c.curve, i * 256));
    if (lum) table.set(lum.curve, LUM_SLOT * 256);
    gl.activeTexture(gl.TEXTURE0 + MAX_CHANNELS);
    gl.bindTexture(gl.TEXTURE_2D, this.curves);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, 256, n, 0, gl.RED, gl.FLOAT, table);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  }

  /** The offscreen picture the unsharp mask reads (the drawing buffer's size). */
  private offscreen(): WebGLFramebuffer {
    const gl = this.gl;
    const w = gl.drawingBufferWidth;
    const h = gl.drawingBufferHeight;
    if (this.target && this.target.w === w && this.target.h === h) return this.target.fb;
    const tex = gl.createTexture();
    const fb = gl.createFramebuffer();
    if (!tex || !fb) throw new Error('cannot create the offscreen picture');
    gl.activeTexture(gl.TEXTURE0 + MAX_CHANNELS + 2);
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    this.target = { fb, tex, w, h };
    return fb;
  }

  draw(
    tiles: TileDraw[],
    looks: ChannelLook[],
    finish: Finish,
    vp: { width: number; height: number },
    lum: ChannelLook | null = null,
    sharpen: Sharpen | null = null,
  ): void {
    const gl = this.gl;
    const twoPass = !!sharpen && sharpen.amount > 0;
    gl.bindFramebuffer(gl.FRAMEBUFFER, twoPass ? this.offscreen() : null);
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    gl.bindVertexArray(this.quad);
    this.setLook(looks, finish, this.luminance ? lum : null);
    gl.uniform2f(this.u('u_viewport'), vp.width, vp.height);
    for (const t of tiles) {
      for (let i = 0; i < this.n; i++) {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, t.textures[i]);
      }
      if (this.luminance && t.luminance) {
        gl.activeTexture(gl.TEXTURE0 + MAX_CHANNELS + 1);
        gl.bindTexture(gl.TEXTURE_2D, t.luminance);
      }
      gl.uniform4f(this.u('u_rect'), t.x, t.y, t.w, t.h);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
    if (!twoPass || !sharpen || !this.target) return;
    // Second pass: the unsharp mask over the offscreen picture, into the canvas.
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.useProgram(this.sharpen);
    gl.activeTexture(gl.TEXTURE0 + MAX_CHANNELS + 2);
    gl.bindTexture(gl.TEXTURE_2D, this.target.tex);
    gl.uniform1i(this.u('u_image', this.sharpen), MAX_CHANNELS + 2);
    gl.uniform2f(this.u('u_texel', this.sharpen), 1 / this.target.w, 1 / this.target.h);
    gl.uniform1f(this.u('u_sigma', this.sharpen), Math.max(0.3, sharpen.sigma));
    gl.uniform1f(this.u('u_amount', this.sharpen), sharpen.amount);
    gl.uniform1f(this.u('u_threshold', this.sharpen), sharpen.threshold);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  finish(): void {
    this.gl.finish();
  }

  destroy(): void {
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
