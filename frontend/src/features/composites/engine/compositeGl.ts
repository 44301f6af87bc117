/** WebGL2 drawing of the live composite: channel tiles as R16F textures, the look as uniforms. */
import { linkProgram } from '@/lib/webgl';
import { fragmentShader, MAX_CHANNELS, VERTEX } from './shader';
import { backgroundRgb, hueMatrix, mixWeights, STRETCH_ID, type ChannelLook, type Finish } from './transfer';

export interface TileDraw {
  textures: WebGLTexture[];
  x: number;
  y: number;
  w: number;
  h: number;
}

export class CompositeGl {
  readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly curves: WebGLTexture;
  private readonly loc = new Map<string, WebGLUniformLocation | null>();

  static create(canvas: HTMLCanvasElement, channels: number): CompositeGl | null {
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) return null;
    try {
      return new CompositeGl(gl, channels);
    } catch (err) {
      console.warn('WebGL2 composite renderer unavailable:', err);
      return null;
    }
  }

  private constructor(gl: WebGL2RenderingContext, private readonly n: number) {
    this.gl = gl;
    const p = linkProgram(gl, VERTEX, fragmentShader(n));
    this.program = p;
    gl.useProgram(p);
    const vao = gl.createVertexArray();
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const a = gl.getAttribLocation(p, 'a_unit');
    gl.enableVertexAttribArray(a);
    gl.vertexAttribPointer(a, 2, gl.FLOAT, false, 0, 0);
    for (let i = 0; i < n; i++) gl.uniform1i(this.u(`u_c${i}`), i);
    gl.uniform1i(this.u('u_curves'), MAX_CHANNELS);
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    this.curves = t;
  }

  private u(name: string): WebGLUniformLocation | null {
    if (!this.loc.has(name)) this.loc.set(name, this.gl.getUniformLocation(this.program, name));
    return this.loc.get(name) ?? null;
  }

  /** A float16 tile (row 0 at the top) as an R16F texture. */
  upload(words: Uint16Array, width: number, height: number): WebGLTexture {
    const gl = this.gl;
    const t = gl.createTexture();
    if (!t) throw new Error('cannot create texture');
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 2);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16F, width, height, 0, gl.RED, gl.HALF_FLOAT, words);
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

  private setLook(looks: ChannelLook[], finish: Finish): void {
    const gl = this.gl;
    const n = MAX_CHANNELS;
    const pad = (f: (c: ChannelLook) => number) => Float32Array.from({ length: n }, (_, i) => (looks[i] ? f(looks[i]) : 0));
    gl.uniform1fv(this.u('u_vmin'), pad((c) => c.vmin));
    gl.uniform1fv(this.u('u_vmax'), pad((c) => c.vmax));
    gl.uniform1fv(this.u('u_a'), pad((c) => c.a ?? (c.stretch === 'log' ? 1000 : c.stretch === 'sinh' ? 1 / 3 : 0.1)));
    gl.uniform1fv(this.u('u_gamma'), pad((c) => c.gamma));
    gl.uniform1fv(this.u('u_black'), pad((c) => c.black));
    gl.uniform1fv(this.u('u_white'), pad((c) => c.white));
    gl.uniform1iv(this.u('u_stretch'), Int32Array.from({ length: n }, (_, i) => (looks[i] ? STRETCH_ID[looks[i].stretch] : 0)));
    const weights = mixWeights(looks);
    gl.uniform3fv(this.u('u_colour'), Float32Array.from({ length: 3 * n }, (_, k) => weights[Math.floor(k / 3)]?.[k % 3] ?? 0));
    gl.uniform1i(this.u('u_neutralise'), finish.neutralise ? 1 : 0);
    gl.uniform3fv(this.u('u_bg'), backgroundRgb(looks));
    gl.uniform3f(this.u('u_levels'), finish.black, finish.white, finish.midtones);
    gl.uniform1f(this.u('u_saturation'), finish.saturation);
    gl.uniform1f(this.u('u_vibrance'), finish.vibrance);
    gl.uniformMatrix3fv(this.u('u_hue'), true, hueMatrix(finish.hue));
    const table = new Float32Array(256 * n);
    looks.forEach((c, i) => table.set(c.curve, i * 256));
    gl.activeTexture(gl.TEXTURE0 + MAX_CHANNELS);
    gl.bindTexture(gl.TEXTURE_2D, this.curves);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, 256, n, 0, gl.RED, gl.FLOAT, table);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  }

  draw(tiles: TileDraw[], looks: ChannelLook[], finish: Finish, vp: { width: number; height: number }): void {
    const gl = this.gl;
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    this.setLook(looks, finish);
    gl.uniform2f(this.u('u_viewport'), vp.width, vp.height);
    for (const t of tiles) {
      for (let i = 0; i < this.n; i++) {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, t.textures[i]);
      }
      gl.uniform4f(this.u('u_rect'), t.x, t.y, t.w, t.h);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
  }

  finish(): void {
    this.gl.finish();
  }

  destroy(): void {
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
