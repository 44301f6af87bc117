import type { RecordOut } from '../api/records';

/** A metadata field as text ('—' when absent). */
export function meta(r: RecordOut, key: string, empty = '—'): string {
  const v = (r.metadata as Record<string, unknown>)[key];
  return v === null || v === undefined || v === '' ? empty : String(v);
}
