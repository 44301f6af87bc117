/** Every keyboard shortcut of the viewer, in one list: the help panel shows it, the handlers follow it. */
export interface Shortcut {
  keys: string[];
  what: string;
  /** Where it works: on the image (focused) or anywhere on the viewer page. */
  scope: 'image' | 'page';
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['←', '→', '↑', '↓'], what: 'Pan (Shift: faster)', scope: 'image' },
  { keys: ['+', '='], what: 'Zoom in', scope: 'image' },
  { keys: ['-'], what: 'Zoom out', scope: 'image' },
  { keys: ['0'], what: 'Fit the image', scope: 'image' },
  { keys: ['1'], what: 'One image pixel per screen pixel', scope: 'image' },
  { keys: ['Enter', 'Space'], what: 'Pin the pixel at the centre and read its value', scope: 'image' },
  { keys: ['s'], what: 'Next stretch (Shift: previous)', scope: 'page' },
  { keys: ['c'], what: 'Next colour map (Shift: previous)', scope: 'page' },
  { keys: ['i'], what: 'Invert the colour map', scope: 'page' },
  { keys: ['r'], what: 'Reset the display', scope: 'page' },
  { keys: ['p'], what: 'Play or pause the slices of a cube', scope: 'page' },
  { keys: [',', '.'], what: 'Previous or next slice of a cube', scope: 'page' },
  { keys: ['?'], what: 'Show or hide this list', scope: 'page' },
];

/** Whether a key event comes from a form field (where letters are typed, not shortcuts). */
export function typingTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
}

/** The item after (or before) `current` in `list`, wrapping. */
export function cycle<T>(list: readonly T[], current: T, back = false): T {
  const i = list.indexOf(current);
  return list[(i + (back ? list.length - 1 : 1)) % list.length];
}
