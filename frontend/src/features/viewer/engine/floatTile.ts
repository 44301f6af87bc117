/**
 * The viewer's float tiles (the engine's `.f16` tiles), little-endian:
 *
 *     bytes 0-3    "WFT1"
 *     bytes 4-7    uint16 width, uint16 height
 *     byte  8      sample type: 2 = float16, 4 = float32
 *     bytes 16-31  float64 offset, float64 scale
 *     bytes 32-    samples, row-major, top row first
 *
 * A value is `offset + scale * sample` (NaN and ±inf stay themselves). The offset is a float32
 * and the scale a power of two, so the shader's `u_offset + u_scale * texel` (float32) gives the
 * engine's decoded values exactly. The legacy layout ("WF16": 8-byte header, raw float16) is
 * read too, as offset 0 and scale 1.
 */
import { halfToFloat } from './f16';

export type SampleKind = 'f16' | 'f32';

export interface FloatTile {
  width: number;
  height: number;
  kind: SampleKind;
  offset: number;
  scale: number;
  /** float16 words (kind f16) or float32 values (kind f32), width × height of them. */
  samples: Uint16Array | Float32Array;
}

const WFT1 = [0x57, 0x46, 0x54, 0x31];
const WF16 = [0x57, 0x46, 0x31, 0x36];

function hasMagic(buf: ArrayBuffer, magic: number[]): boolean {
  if (buf.byteLength < 4) return false;
  const b = new Uint8Array(buf, 0, 4);
  return magic.every((m, i) => b[i] === m);
}

export function parseFloatTile(buf: ArrayBuffer): FloatTile {
  const dv = new DataView(buf);
  if (hasMagic(buf, WFT1)) {
    if (buf.byteLength < 32) throw new Error('float tile too short');
    const width = dv.getUint16(4, true);
    const height = dv.getUint16(6, true);
    const type = dv.getUint8(8);
    if (type !== 2 && type !== 4) throw new Error(`unknown float tile sample type ${type}`);
    const n = width * height;
    if (buf.byteLength !== 32 + type * n) throw new Error('float tile of the wrong length');
    const offset = dv.getFloat64(16, true);
    const scale = dv.getFloat64(24, true);
    const samples = type === 2 ? new Uint16Array(buf, 32, n) : new Float32Array(buf, 32, n);
    return { width, height, kind: type === 2 ? 'f16' : 'f32', offset, scale, samples };
  }
  if (hasMagic(buf, WF16)) {
    const width = dv.getUint16(4, true);
    const height = dv.getUint16(6, true);
    return { width, height, kind: 'f16', offset: 0, scale: 1, samples: new Uint16Array(buf, 8, (buf.byteLength - 8) >> 1) };
  }
  throw new Error('not a float tile');
}

/** The value of sample i, as the shader computes it (float32 arithmetic). */
export function tileValue(t: FloatTile, i: number): number {
  if (t.kind === 'f32') return t.samples[i];
  const h = halfToFloat(t.samples[i]);
  if (!Number.isFinite(h)) return h;
  return Math.fround(Math.fround(t.offset) + Math.fround(t.scale * h));
}
