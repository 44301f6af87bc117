/** What a record holds, for the action its page offers: an image (the viewer), a spectrum (the
 *  spectrum page) or tables only (the tables page: catalogues, FITS tables, ECSV). */
export type RecordKind = 'image' | 'spectrum' | 'table';

type Hdu = { type?: string | null; shape?: number[] | null };
type Described = { file_name: string; metadata?: { hdus?: Hdu[] | null } | Record<string, unknown> | null };

const SPECTRUM = /_(x1d|c1d)(ints)?\.fits?$/i;
const CATALOGUE = /(_cat\.fits?|\.ecsv)$/i;

const isImageHdu = (h: Hdu) =>
  (h.type === 'image' || h.type === 'compressed_image' || h.type === 'primary') && (h.shape?.length ?? 0) >= 2;

export function recordKind(r: Described): RecordKind {
  if (SPECTRUM.test(r.file_name)) return 'spectrum';
  if (CATALOGUE.test(r.file_name)) return 'table';
  const hdus = (r.metadata as { hdus?: Hdu[] | null } | null | undefined)?.hdus;
  // Described HDUs with no image among them and a table: nothing for the viewer to show.
  if (hdus?.length && !hdus.some(isImageHdu) && hdus.some((h) => h.type === 'table' || h.type === 'bintable')) return 'table';
  return 'image';
}

/** The lenient FITS reader's notes about the file's headers (cards fixed or skipped). */
export function recordWarnings(r: { metadata?: unknown }): string[] {
  const w = (r.metadata as { warnings?: unknown } | null | undefined)?.warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}
