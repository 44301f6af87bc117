/** How the viewer asks for an image extension: by its name when the name is plain and names
 *  one HDU only, otherwise by its index (names with path characters, commas or spaces, empty
 *  names and repeated names such as several `SCI` versions are chosen by index). */
type Hdu = { index: number; name: string };

const PLAIN = /^[A-Za-z0-9_-]+$/;

export function extValue(h: Hdu, all: Hdu[]): string {
  const unique = all.filter((o) => o.name === h.name).length === 1;
  return PLAIN.test(h.name) && unique ? h.name : String(h.index);
}

export function extLabel(h: Hdu, all: Hdu[]): string {
  const value = extValue(h, all);
  return value === h.name ? h.name : `${h.name || '(unnamed)'} [HDU ${h.index}]`;
}

/** The option that `ext` (a name, `NAME,VER` or an index, as in the URL) selects. */
export function selectedExt(ext: string, all: Hdu[]): string {
  const hit = all.find((h) => extValue(h, all) === ext) ?? all.find((h) => h.name === ext || String(h.index) === ext);
  return hit ? extValue(hit, all) : ext;
}
