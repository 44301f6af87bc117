/** IEEE 754 half precision → number (what the `f16` tiles hold, little-endian, row-major). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x03ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Number → IEEE half (round to nearest even); used by tests and synthetic tiles. */
export function floatToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const s = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return s | 0x7c00;
  if (a >= 65520) return s | 0x7c00;
  if (a < 2 ** -24 / 2) return s;
  if (a < 2 ** -14) return s | Math.round(a / 2 ** -24);
  let e = Math.floor(Math.log2(a));
  let m = a / 2 ** e - 1;
  let mi = Math.round(m * 1024);
  if (mi === 1024) {
    mi = 0;
    e += 1;
  }
  m = mi;
  if (e + 15 >= 31) return s | 0x7c00;
  return s | ((e + 15) << 10) | m;
}

/** Decode a whole tile (little-endian) to float32. */
export function decodeF16(buf: ArrayBuffer): Float32Array {
  const dv = new DataView(buf);
  const n = buf.byteLength >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
  return out;
}

/** The tile as the Uint16Array WebGL uploads as HALF_FLOAT (platform is little-endian). */
export function asHalfWords(buf: ArrayBuffer): Uint16Array {
  return new Uint16Array(buf, 0, buf.byteLength >> 1);
}
