import { useEffect, useRef } from 'react';
import type { Region, SavedRegion, Shape } from '../api/analysisTypes';
import type { ToolHandler } from '../engine/input';
import { sourceAt } from '../layers/catalogueLayer';
import { hitTest, moveRegion, nudge, regionFromDrag, resizeRegion } from '../layers/regionGeometry';
import type { AnalysisScene } from './useAnalysisScene';

export type RegionMode = 'select' | Shape;

interface Options {
  a: AnalysisScene;
  mode: RegionMode;
  zoom: number;
  onCreate: (r: Region) => void;
  onChange: (id: string, r: Region) => void;
  onDelete: (id: string) => void;
  onSelect: (id: string | null) => void;
  onSource: (i: number | null) => void;
}

type Gesture =
  | { kind: 'draw'; start: [number, number] }
  | { kind: 'move'; id: string; from: [number, number]; original: Region }
  | { kind: 'resize'; id: string; handle: number }
  | { kind: 'source'; index: number };

/**
 * The mouse and keyboard tool for regions: draw a shape by dragging (polygons: click each
 * vertex, then Enter or a click on the first vertex), select, move and resize with the
 * handles, nudge with the arrow keys (Shift: 10 px), Delete to remove, Escape to cancel.
 * In select mode a click on a catalogue marker selects that source.
 */
export function useRegionTool(o: Options): void {
  const opts = useRef(o);
  opts.current = o;
  const gesture = useRef<Gesture | null>(null);
  const polygon = useRef<Array<[number, number]>>([]);

  useEffect(() => {
    const { a } = opts.current;
    const find = (id: string): SavedRegion | undefined => a.scene.regions.find((r) => r.id === id);
    const tol = () => 6 / Math.max(opts.current.zoom, 1e-6);
    const finishPolygon = () => {
      const pts = polygon.current;
      polygon.current = [];
      a.scene.draft = null;
      if (pts.length >= 3) opts.current.onCreate({ shape: 'polygon', points: pts });
      a.redraw();
    };
    const handler: ToolHandler = {
      down(d) {
        const p = a.toArray(d);
        const { mode } = opts.current;
        if (mode === 'polygon') {
          const first = polygon.current[0];
          if (first && polygon.current.length >= 3 && Math.hypot(first[0] - p[0], first[1] - p[1]) <= tol()) finishPolygon();
          else {
            polygon.current = [...polygon.current, p];
            a.scene.draft = { shape: 'polygon', points: polygon.current };
            a.redraw();
          }
          return true;
        }
        if (mode !== 'select') {
          gesture.current = { kind: 'draw', start: p };
          a.scene.draft = regionFromDrag(mode, p, p);
          a.redraw();
          return true;
        }
        const selected = a.scene.selectedRegion ? find(a.scene.selectedRegion) : undefined;
        const order = selected ? [selected, ...a.scene.regions.filter((r) => r !== selected)] : [...a.scene.regions].reverse();
        for (const r of order) {
          const hit = hitTest(r.region, p[0], p[1], tol());
          if (!hit) continue;
          opts.current.onSelect(r.id);
          gesture.current = hit.kind === 'handle' && r === selected ? { kind: 'resize', id: r.id, handle: hit.index } : { kind: 'move', id: r.id, from: p, original: r.region };
          return true;
        }
        const source = sourceAt(a.scene.catalogue, p[0], p[1], tol());
        if (source !== null) {
          gesture.current = { kind: 'source', index: source };
          return true;
        }
        return false;
      },
      move(d) {
        const g = gesture.current;
        if (!g) return;
        const p = a.toArray(d);
        if (g.kind === 'draw' && opts.current.mode !== 'select' && opts.current.mode !== 'polygon') a.scene.draft = regionFromDrag(opts.current.mode, g.start, p);
        else if (g.kind === 'move') {
          const r = find(g.id);
          if (r) r.region = moveRegion(g.original, p[0] - g.from[0], p[1] - g.from[1]);
        } else if (g.kind === 'resize') {
          const r = find(g.id);
          if (r) r.region = resizeRegion(r.region, g.handle, p[0], p[1]);
        }
        a.redraw();
      },
      up() {
        const g = gesture.current;
        gesture.current = null;
        if (!g) return;
        if (g.kind === 'draw') {
          const draft = a.scene.draft;
          a.scene.draft = null;
          const tiny = draft && draft.shape !== 'point' && ((draft.r ?? 1) < 1 || (draft.a ?? 1) < 1 || (draft.width ?? 1) < 1);
          if (draft && !tiny) opts.current.onCreate(draft);
          a.redraw();
        } else if (g.kind === 'move' || g.kind === 'resize') {
          const r = find(g.id);
          if (r) opts.current.onChange(r.id, r.region);
        } else if (g.kind === 'source') opts.current.onSource(g.index);
      },
      hover(d) {
        const cat = a.scene.catalogue;
        if (!cat || !d) return;
        const p = a.toArray(d);
        const i = sourceAt(cat, p[0], p[1], tol());
        if (i !== a.scene.hoveredSource) {
          a.scene.hoveredSource = i;
          a.redraw();
        }
      },
      key(e) {
        if (e.key === 'Escape' && (a.scene.draft || polygon.current.length)) {
          polygon.current = [];
          a.scene.draft = null;
          a.redraw();
          return true;
        }
        if (e.key === 'Enter' && polygon.current.length) {
          finishPolygon();
          return true;
        }
        const id = a.scene.selectedRegion;
        const r = id ? find(id) : undefined;
        if (!r) return false;
        if (e.key === 'Delete' || e.key === 'Backspace') {
          opts.current.onDelete(r.id);
          return true;
        }
        const moved = nudge(r.region, e.key, e.shiftKey ? 10 : 1);
        if (!moved) return false;
        r.region = moved;
        a.redraw();
        opts.current.onChange(r.id, moved);
        return true;
      },
    };
    a.tool.current = handler;
    return () => {
      if (a.tool.current === handler) a.tool.current = null;
    };
  }, []);
}
