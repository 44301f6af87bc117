/** WebGL2 helpers shared by the viewer and the composite builder. */
export function compileShader(gl: WebGL2RenderingContext, type: number, src: string): WebGLShader {
  const s = gl.createShader(type);
  if (!s) throw new Error('cannot create shader');
  gl.shaderSource(s, src);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
  return s;
}

/** A linked program of a vertex and a fragment shader. */
export function linkProgram(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const p = gl.createProgram();
  if (!p) throw new Error('cannot create program');
  gl.attachShader(p, compileShader(gl, gl.VERTEX_SHADER, vertex));
  gl.attachShader(p, compileShader(gl, gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`link: ${gl.getProgramInfoLog(p)}`);
  return p;
}

/**
 * A float texture of one channel: float16 words as R16F (HALF_FLOAT) or float32 values as R32F,
 * row 0 first, clamped at the edges. Bound to the active texture unit.
 */
export function floatTexture(
  gl: WebGL2RenderingContext,
  kind: 'f16' | 'f32',
  samples: Uint16Array | Float32Array,
  width: number,
  height: number,
): WebGLTexture {
  const t = gl.createTexture();
  if (!t) throw new Error('cannot create texture');
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, kind === 'f16' ? 2 : 4);
  if (kind === 'f16') gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16F, width, height, 0, gl.RED, gl.HALF_FLOAT, samples);
  else gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, width, height, 0, gl.RED, gl.FLOAT, samples);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  return t;
}
