/**
 * GLSL ES 3.00 for the live composite: one RG float texture per channel (the engine's aligned f16
 * tiles: value, coverage alpha), the transfer of transfer.ts per channel from uniforms, mixing in
 * linear light (each channel's light times its feathered alpha), background neutralisation, the
 * luminance channel (LRGB) when there is one, then the whole-image steps. Generated for the
 * channel count (sampler arrays cannot be indexed by a loop variable in GLSL ES 3.00). The unsharp
 * mask is a second pass over the first one's picture (`SHARPEN`).
 */
export const MAX_CHANNELS = 8;
/** The slot of the luminance channel in the per-channel uniform arrays and the curve table. */
export const LUM_SLOT = MAX_CHANNELS;
const SLOTS = MAX_CHANNELS + 1;

export const VERTEX = `#version 300 es
in vec2 a_unit;
uniform vec4 u_rect;
uniform vec2 u_viewport;
out vec2 v_uv;
void main() {
  vec2 p = u_rect.xy + a_unit * u_rect.zw;
  vec2 clip = (p / u_viewport) * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  v_uv = a_unit;
}`;

export function fragmentShader(n: number, luminance = false): string {
  const samplers = Array.from({ length: n }, (_, i) => `uniform sampler2D u_c${i};`).join('\n');
  const adds = Array.from(
    { length: n },
    (_, i) => `  { vec2 t = texture(u_c${i}, v_uv).rg; rgb += srgb2lin(intensity(t.r, ${i})) * t.g * u_colour[${i}]; }`,
  ).join('\n');
  // LRGB as the engine's apply_luminance: each pixel scaled so its relative luminance is the
  // luminance channel's (display intensity times its alpha, decoded); black pixels become grey.
  const lrgb = luminance
    ? `  {
    vec2 t = texture(u_lum, v_uv).rg;
    float target = srgb2lin(intensity(t.r, ${MAX_CHANNELS}) * t.g);
    float y = dot(rgb, vec3(0.2126, 0.7152, 0.0722));
    rgb = y > 1e-6 ? rgb * (target / y) : vec3(target);
  }`
    : '';
  return `#version 300 es
precision highp float;
in vec2 v_uv;
${samplers}
${luminance ? 'uniform sampler2D u_lum;' : ''}
uniform highp sampler2D u_curves;   // R32F, 256 x ${SLOTS}: each channel's tone table (luminance last)
uniform float u_vmin[${SLOTS}];
uniform float u_vmax[${SLOTS}];
uniform float u_a[${SLOTS}];
uniform float u_gamma[${SLOTS}];
uniform float u_black[${SLOTS}];
uniform float u_white[${SLOTS}];
uniform int u_stretch[${SLOTS}];
uniform vec3 u_colour[${MAX_CHANNELS}];
uniform bool u_neutralise;
uniform vec3 u_bg;
uniform vec3 u_levels;   // black, white, midtones
uniform float u_saturation;
uniform float u_vibrance;
uniform mat3 u_hue;
out vec4 outColor;

float asinh_(float x) { return log(x + sqrt(x * x + 1.0)); }
float sinh_(float x) { return 0.5 * (exp(x) - exp(-x)); }

float stretchOf(float t, int s, float a) {
  if (s == 1) return log(a * t + 1.0) / log(a + 1.0);
  if (s == 2) return sqrt(t);
  if (s == 3) return t * t;
  if (s == 4) return asinh_(t / a) / asinh_(1.0 / a);
  if (s == 5) return sinh_(t / a) / sinh_(1.0 / a);
  return t;
}

float curve(float x, int i) {
  float pos = clamp(x, 0.0, 1.0) * 255.0;
  int k = min(int(floor(pos)), 254);
  float lo = texelFetch(u_curves, ivec2(k, i), 0).r;
  float hi = texelFetch(u_curves, ivec2(k + 1, i), 0).r;
  return lo + (pos - float(k)) * (hi - lo);
}

float intensity(float v, int i) {
  if (isnan(v) || isinf(v)) return 0.0;
  float span = u_vmax[i] - u_vmin[i];
  float x = clamp((v - u_vmin[i]) / (span == 0.0 ? 1.0 : span), 0.0, 1.0);
  x = stretchOf(x, u_stretch[i], u_a[i]);
  if (u_gamma[i] != 1.0) x = pow(x, u_gamma[i]);
  x = clamp((x - u_black[i]) / max(1e-6, u_white[i] - u_black[i]), 0.0, 1.0);
  return curve(x, i);
}

float srgb2lin(float x) {
  x = clamp(x, 0.0, 1.0);
  return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
}
float lin2srgb(float x) {
  x = clamp(x, 0.0, 1.0);
  return x <= 0.0031308 ? x * 12.92 : 1.055 * pow(x, 1.0 / 2.4) - 0.055;
}

void main() {
  vec3 rgb = vec3(0.0);
${adds}
  if (u_neutralise) {
    float t = min(u_bg.r, min(u_bg.g, u_bg.b));
    for (int c = 0; c < 3; c++) {
      float b = u_bg[c];
      if (b < 1.0 && b > t) rgb[c] = (rgb[c] - b) * ((1.0 - t) / (1.0 - b)) + t;
    }
  }
${lrgb}
  vec3 d = vec3(lin2srgb(rgb.r), lin2srgb(rgb.g), lin2srgb(rgb.b));
  if (u_levels.x != 0.0 || u_levels.y != 1.0 || u_levels.z != 1.0) {
    d = clamp((d - u_levels.x) / max(1e-6, u_levels.y - u_levels.x), 0.0, 1.0);
    if (u_levels.z != 1.0) d = pow(d, vec3(1.0 / u_levels.z));
  }
  if (u_saturation != 1.0 || u_vibrance != 0.0) {
    float y = dot(d, vec3(0.2126, 0.7152, 0.0722));
    float k = u_saturation;
    if (u_vibrance != 0.0) {
      float sat = max(d.r, max(d.g, d.b)) - min(d.r, min(d.g, d.b));
      k = k * (1.0 + u_vibrance * (1.0 - sat));
    }
    d = y + (d - y) * k;
  }
  d = clamp(u_hue * d, 0.0, 1.0);
  outColor = vec4(d, 1.0);
}`;
}

/** The unsharp mask as the engine applies it (display values, after the whole-image steps):
 *  d + amount * (d - gaussian(d, sigma)), detail under the threshold left alone, clipped. `sigma`
 *  is in device pixels (the radius in composite pixels times the canvas's scale); the kernel is
 *  cut at 3 sigma, at most 12 pixels. */
export const SHARPEN = `#version 300 es
precision highp float;
in vec2 v_uv;
uniform sampler2D u_image;
uniform vec2 u_texel;
uniform float u_sigma;
uniform float u_amount;
uniform float u_threshold;
out vec4 outColor;
void main() {
  vec3 d = texture(u_image, v_uv).rgb;
  int r = int(min(12.0, ceil(3.0 * u_sigma)));
  vec3 sum = vec3(0.0);
  float wsum = 0.0;
  for (int j = -12; j <= 12; j++) {
    if (j < -r || j > r) continue;
    for (int i = -12; i <= 12; i++) {
      if (i < -r || i > r) continue;
      float w = exp(-float(i * i + j * j) / (2.0 * u_sigma * u_sigma));
      sum += w * texture(u_image, v_uv + vec2(float(i), float(j)) * u_texel).rgb;
      wsum += w;
    }
  }
  vec3 detail = d - sum / wsum;
  detail = mix(vec3(0.0), detail, step(vec3(u_threshold), abs(detail)));
  outColor = vec4(clamp(d + u_amount * detail, 0.0, 1.0), 1.0);
}`;

/** A full-viewport quad for the second pass (texture coordinates with row 0 at the bottom). */
export const FULLSCREEN = `#version 300 es
in vec2 a_unit;
out vec2 v_uv;
void main() {
  gl_Position = vec4(a_unit * 2.0 - 1.0, 0.0, 1.0);
  v_uv = a_unit;
}`;
