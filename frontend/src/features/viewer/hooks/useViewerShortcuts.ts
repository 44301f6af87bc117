import { useEffect, useRef } from 'react';
import { COLORMAPS, STRETCHES, type RenderParams } from '../api/types';
import { cycle, typingTarget } from '../components/shortcuts';

interface Handlers {
  params: RenderParams;
  set: (patch: Partial<RenderParams>, at: number) => void;
  reset: () => void;
  slices: number;
  togglePlay: () => void;
  toggleHelp: () => void;
}

/** The page-wide shortcuts of the viewer (see shortcuts.ts); keys typed into form fields are left alone. */
export function useViewerShortcuts(h: Handlers): void {
  const ref = useRef(h);
  ref.current = h;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.metaKey || e.ctrlKey || typingTarget(e.target)) return;
      const { params: p, set, slices } = ref.current;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      switch (key) {
        case 's':
          set({ stretch: cycle(STRETCHES, p.stretch, e.shiftKey) }, e.timeStamp);
          break;
        case 'c':
          set({ cmap: cycle(COLORMAPS, p.cmap, e.shiftKey) }, e.timeStamp);
          break;
        case 'i':
          set({ invert: !p.invert }, e.timeStamp);
          break;
        case 'r':
          ref.current.reset();
          break;
        case 'p':
          if (slices > 1) ref.current.togglePlay();
          break;
        case ',':
        case '<':
          if (slices > 1) set({ slice: (p.slice + slices - 1) % slices }, e.timeStamp);
          break;
        case '.':
        case '>':
          if (slices > 1) set({ slice: (p.slice + 1) % slices }, e.timeStamp);
          break;
        case '?':
          ref.current.toggleHelp();
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
