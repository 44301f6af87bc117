/** GLSL ES 3.00: float tiles → interval → stretch (power: x^gamma) → contrast/bias → invert → colour map. */

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
in vec2 v_uv;
uniform sampler2D u_tile;
uniform sampler2D u_cmap;
uniform sampler2D u_histeq;
uniform float u_vmin;
uniform float u_vmax;
uniform int u_stretch;
uniform float u_contrast;
uniform float u_bias;
uniform float u_gamma;
uniform bool u_invert;
out vec4 outColor;

float asinh_(float x) { return log(x + sqrt(x * x + 1.0)); }
float sinh_(float x) { return 0.5 * (exp(x) - exp(-x)); }

float stretch(float t) {
  if (u_stretch == 1) return log(1000.0 * t + 1.0) / log(1001.0);
  if (u_stretch == 2) return sqrt(t);
  if (u_stretch == 3) return t * t;
  if (u_stretch == 4) return asinh_(t / 0.1) / asinh_(10.0);
  if (u_stretch == 5) return sinh_(t * 3.0) / sinh_(3.0);
  if (u_stretch == 6) return pow(t, u_gamma);
  if (u_stretch == 7) return texture(u_histeq, vec2(t * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).r;
  return t;
}

void main() {
  float v = texture(u_tile, v_uv).r;
  if (isnan(v) || isinf(v)) { outColor = vec4(0.0); return; }
  float span = u_vmax - u_vmin;
  float t = clamp((v - u_vmin) / (span == 0.0 ? 1.0 : span), 0.0, 1.0);
  t = stretch(t);
  t = clamp((t - u_bias) * u_contrast + 0.5, 0.0, 1.0);
  if (u_invert) t = 1.0 - t;
  outColor = texture(u_cmap, vec2(t * (255.0 / 256.0) + 0.5 / 256.0, 0.5));
}`;
