/**
 * GLSL ES 3.00, the engine's render pipeline step for step (imaging/_render.py), in float32:
 *
 *   v = offset + scale · texel                   the tile's value (exact float tiles)
 *   x = (v − vmin) · (1 / span)                  1/span rounded to float32 on the CPU, as numpy
 *   x = stretch(clip(x, 0, 1))                   astropy's stretches; histeq through the
 *                                                engine's 65,536-entry curve
 *   x = clip((x − bias) · contrast + 0.5)        only when not (1, 0.5)
 *   i = min(floor(256 x), 255)                   8-bit index (matplotlib's quantisation)
 *   rgba = lut[i] (reversed when inverted); NaN → the NaN colour; +inf → top, −inf → bottom
 */

export const VERTEX = `#version 300 es
in vec2 a_unit;
uniform vec4 u_rect;      // x, y, w, h in CSS pixels
uniform vec2 u_viewport;  // CSS pixels
uniform vec4 u_tex;       // u0, v0, du, dv (sub-rectangle of the tile texture)
out vec2 v_uv;
void main() {
  vec2 p = u_rect.xy + a_unit * u_rect.zw;
  vec2 clip = (p / u_viewport) * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  v_uv = u_tex.xy + a_unit * u_tex.zw;
}`;

export const FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
in vec2 v_uv;
uniform sampler2D u_tile;
uniform sampler2D u_cmap;     // 256 x 1 RGBA8, the engine's table
uniform sampler2D u_histeq;   // 256 x 256 R32F, the engine's histeq curve at 65,536 points
uniform float u_offset;
uniform float u_scale;
uniform float u_vmin;
uniform float u_invspan;      // float32(1 / (vmax - vmin)), or 1 when vmax == vmin
uniform int u_stretch;
uniform float u_a;            // log / asinh / sinh parameter
uniform float u_anorm;        // float32(1 / log(a + 1)), 1 / asinh(1 / a) or 1 / sinh(1 / a)
uniform float u_contrast;
uniform float u_bias;
uniform float u_gamma;
uniform bool u_invert;
uniform vec4 u_nan;
out vec4 outColor;

float stretch(float x) {
  if (u_stretch == 1) return log(x * u_a + 1.0) * u_anorm;
  if (u_stretch == 2) return sqrt(x);
  if (u_stretch == 3) return x * x;
  if (u_stretch == 4) return asinh(x / u_a) * u_anorm;
  if (u_stretch == 5) return sinh(x / u_a) * u_anorm;
  if (u_stretch == 6) {
    if (u_gamma == 2.0) return x * x;
    if (u_gamma == 0.5) return sqrt(x);
    if (u_gamma == 1.0) return x;
    return pow(x, u_gamma);
  }
  if (u_stretch == 7) {
    int q = int(x * 65535.0 + 0.5);
    return texelFetch(u_histeq, ivec2(q & 255, q >> 8), 0).r;
  }
  return x;
}

void main() {
  float h = texture(u_tile, v_uv).r;
  if (isnan(h)) { outColor = u_nan; return; }
  float v = u_offset + u_scale * h;
  float x = (v - u_vmin) * u_invspan;
  x = isinf(x) ? (x > 0.0 ? 1.0 : 0.0) : clamp(x, 0.0, 1.0);
  x = stretch(x);
  if (u_contrast != 1.0 || u_bias != 0.5) x = clamp((x - u_bias) * u_contrast + 0.5, 0.0, 1.0);
  int i = int(min(x * 256.0, 255.0));
  if (u_invert) i = 255 - i;
  outColor = texelFetch(u_cmap, ivec2(i, 0), 0);
}`;
