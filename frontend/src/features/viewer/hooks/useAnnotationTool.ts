import { useEffect, useRef } from 'react';
import type { AnnotationType } from '../api/analysisTypes';
import type { ToolHandler } from '../engine/input';
import type { AnalysisScene } from './useAnalysisScene';

interface Options {
  a: AnalysisScene;
  type: AnnotationType | null;
  text: string;
  color: string;
  onCreate: (body: { type: AnnotationType; points: Array<[number, number]>; text?: string; radius?: number; color: string }) => void;
}

/**
 * Placing annotations with the mouse: text and compass at a click, arrows and rulers from the
 * press to the release, circles from their centre to the edge. Escape cancels a drag.
 */
export function useAnnotationTool(o: Options): void {
  const opts = useRef(o);
  opts.current = o;
  useEffect(() => {
    const { a } = opts.current;
    let start: [number, number] | null = null;
    const draft = (end: [number, number]) => {
      const { type, text, color } = opts.current;
      if (!type || !start) return;
      const radius = Math.hypot(end[0] - start[0], end[1] - start[1]);
      a.scene.annotationDraft = {
        type,
        points: type === 'arrow' || type === 'ruler' ? [start, end] : [start],
        text,
        radius: type === 'circle' ? Math.max(1, radius) : null,
        color,
      };
      a.redraw();
    };
    const handler: ToolHandler = {
      down(d) {
        if (!opts.current.type) return false;
        start = a.toArray(d);
        draft(start);
        return true;
      },
      move(d) {
        if (start) draft(a.toArray(d));
      },
      up(d) {
        const { type, text, color } = opts.current;
        const end = a.toArray(d);
        const s = start;
        start = null;
        a.scene.annotationDraft = null;
        a.redraw();
        if (!type || !s) return;
        const round = (p: [number, number]): [number, number] => [Math.round(p[0] * 100) / 100, Math.round(p[1] * 100) / 100];
        const far = Math.hypot(end[0] - s[0], end[1] - s[1]);
        if ((type === 'arrow' || type === 'ruler' || type === 'circle') && far < 1) return;
        opts.current.onCreate({
          type,
          points: type === 'arrow' || type === 'ruler' ? [round(s), round(end)] : [round(s)],
          text: text || undefined,
          radius: type === 'circle' ? Math.round(far * 100) / 100 : undefined,
          color,
        });
      },
      key(e) {
        if (e.key === 'Escape' && start) {
          start = null;
          a.scene.annotationDraft = null;
          a.redraw();
          return true;
        }
        return false;
      },
    };
    const previous = a.tool.current;
    a.tool.current = handler;
    return () => {
      a.tool.current = previous;
    };
  }, []);
}
