/**
 * Pointer, wheel, touch and keyboard control of a ViewerEngine: drag to pan, wheel / pinch to
 * zoom about the pointer, two-finger trackpad scroll to pan, double-click to zoom in, arrows to
 * pan, +/− to zoom, 0 to fit, 1 for one image pixel per screen pixel.
 */
import type { ViewerEngine } from './ViewerEngine';

/**
 * An analysis tool (drawing or editing regions, annotations, picking sources). `down` returns
 * true when it takes the gesture (the image then does not pan); `key` true when it used a key.
 */
export interface ToolHandler {
  down: (display: [number, number], e: PointerEvent) => boolean;
  move: (display: [number, number], e: PointerEvent) => void;
  up: (display: [number, number], e: PointerEvent) => void;
  hover?: (display: [number, number] | null) => void;
  key?: (e: KeyboardEvent) => boolean;
}

export interface InputCallbacks {
  onHover: (display: [number, number] | null) => void;
  onPick: (display: [number, number]) => void;
  /** The active analysis tool, if any (read at each event). */
  tool?: () => ToolHandler | null;
}

const KEY_PAN = 60;

/** Wheel deltas to a zoom factor (pinch on trackpads arrives as ctrl+wheel). */
export function wheelZoomFactor(deltaY: number, deltaMode: number, ctrlKey: boolean): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const k = ctrlKey ? 0.01 : 0.0022;
  return Math.exp(-px * k);
}

/** A trackpad's two-finger scroll (fine, with a horizontal part) pans rather than zooms. */
export function isTrackpadScroll(e: Pick<WheelEvent, 'deltaMode' | 'deltaX' | 'deltaY' | 'ctrlKey'>): boolean {
  if (e.ctrlKey || e.deltaMode !== 0) return false;
  return e.deltaX !== 0 || (Math.abs(e.deltaY) < 40 && !Number.isInteger(e.deltaY));
}

/** Client coordinates to the element's own, through its CSS transform about its centre (a
 * comparison pane turns its image to the first record's orientation). */
export function localPoint(el: HTMLElement, x: number, y: number): [number, number] {
  const r = el.getBoundingClientRect();
  const t = typeof getComputedStyle === 'function' ? getComputedStyle(el).transform : '';
  if (!t || t === 'none' || typeof DOMMatrix === 'undefined') return [x - r.left, y - r.top];
  const p = new DOMMatrix(t).inverse().transformPoint(new DOMPoint(x - (r.left + r.width / 2), y - (r.top + r.height / 2)));
  return [p.x + el.offsetWidth / 2, p.y + el.offsetHeight / 2];
}

export function attachInput(el: HTMLElement, engine: ViewerEngine, cb: InputCallbacks): () => void {
  const pointers = new Map<number, { x: number; y: number }>();
  let moved = 0;
  let pinchDist = 0;
  let hoverRaf = 0;
  let lastHover: [number, number] | null = null;
  let toolGesture: ToolHandler | null = null;

  // Pointer positions are kept in the element's own coordinates, so a drag pans the image the
  // way the pointer moves even on a turned pane.
  const local = (e: { clientX: number; clientY: number }): [number, number] => localPoint(el, e.clientX, e.clientY);
  const at = (e: { clientX: number; clientY: number }) => {
    const [x, y] = local(e);
    return { x, y };
  };

  const hover = (sx: number, sy: number) => {
    const d = engine.toDisplay(sx, sy);
    lastHover = engine.inImage(d[0], d[1]) ? d : null;
    if (hoverRaf) return;
    hoverRaf = requestAnimationFrame(() => {
      hoverRaf = 0;
      cb.onHover(lastHover);
    });
  };

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    el.setPointerCapture?.(e.pointerId);
    const tool = pointers.size === 0 ? (cb.tool?.() ?? null) : null;
    if (tool) {
      const [sx, sy] = local(e);
      if (tool.down(engine.toDisplay(sx, sy), e)) {
        toolGesture = tool;
        return;
      }
    }
    pointers.set(e.pointerId, at(e));
    moved = 0;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinchDist = Math.hypot(a.x - b.x, a.y - b.y);
    }
  };

  const onPointerMove = (e: PointerEvent) => {
    const [sx, sy] = local(e);
    if (toolGesture) {
      toolGesture.move(engine.toDisplay(sx, sy), e);
      hover(sx, sy);
      return;
    }
    const prev = pointers.get(e.pointerId);
    if (!prev) {
      hover(sx, sy);
      cb.tool?.()?.hover?.(engine.toDisplay(sx, sy));
      return;
    }
    if (pointers.size === 1) {
      const dx = sx - prev.x;
      const dy = sy - prev.y;
      moved += Math.abs(dx) + Math.abs(dy);
      engine.pan(dx, dy);
      pointers.set(e.pointerId, { x: sx, y: sy });
    } else if (pointers.size === 2) {
      pointers.set(e.pointerId, { x: sx, y: sy });
      const [a, b] = [...pointers.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinchDist > 0) engine.zoomBy(dist / pinchDist, (a.x + b.x) / 2, (a.y + b.y) / 2);
      pinchDist = dist;
      moved += 10;
    }
    hover(sx, sy);
  };

  const onPointerUp = (e: PointerEvent) => {
    if (toolGesture) {
      const [sx, sy] = local(e);
      toolGesture.up(engine.toDisplay(sx, sy), e);
      toolGesture = null;
      return;
    }
    const had = pointers.delete(e.pointerId);
    if (pointers.size < 2) pinchDist = 0;
    if (had && moved < 4 && e.type === 'pointerup') {
      const [sx, sy] = local(e);
      const d = engine.toDisplay(sx, sy);
      if (engine.inImage(d[0], d[1])) cb.onPick(d);
    }
  };

  const onLeave = () => {
    if (!pointers.size) {
      lastHover = null;
      cb.onHover(null);
    }
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const [sx, sy] = local(e);
    if (isTrackpadScroll(e)) engine.pan(-e.deltaX, -e.deltaY);
    else engine.zoomBy(wheelZoomFactor(e.deltaY, e.deltaMode, e.ctrlKey), sx, sy);
    hover(sx, sy);
  };

  const onDblClick = (e: MouseEvent) => {
    const [sx, sy] = local(e);
    engine.zoomBy(e.shiftKey ? 0.5 : 2, sx, sy);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.metaKey || e.ctrlKey) return;
    if (cb.tool?.()?.key?.(e)) {
      e.preventDefault();
      return;
    }
    const step = e.shiftKey ? KEY_PAN * 4 : KEY_PAN;
    switch (e.key) {
      case 'ArrowLeft':
        engine.pan(step, 0);
        break;
      case 'ArrowRight':
        engine.pan(-step, 0);
        break;
      case 'ArrowUp':
        engine.pan(0, step);
        break;
      case 'ArrowDown':
        engine.pan(0, -step);
        break;
      case '+':
      case '=':
        engine.zoomBy(1.25);
        break;
      case '-':
      case '_':
        engine.zoomBy(0.8);
        break;
      case '0':
        engine.fit();
        break;
      case '1':
        engine.zoomTo(1);
        break;
      case 'Enter':
      case ' ': {
        const d = engine.toDisplay(engine.vp.width / 2, engine.vp.height / 2);
        if (engine.inImage(d[0], d[1])) cb.onPick(d);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  el.addEventListener('pointerdown', onPointerDown);
  el.addEventListener('pointermove', onPointerMove);
  el.addEventListener('pointerup', onPointerUp);
  el.addEventListener('pointercancel', onPointerUp);
  el.addEventListener('pointerleave', onLeave);
  el.addEventListener('wheel', onWheel, { passive: false });
  el.addEventListener('dblclick', onDblClick);
  el.addEventListener('keydown', onKey);
  return () => {
    if (hoverRaf) cancelAnimationFrame(hoverRaf);
    el.removeEventListener('pointerdown', onPointerDown);
    el.removeEventListener('pointermove', onPointerMove);
    el.removeEventListener('pointerup', onPointerUp);
    el.removeEventListener('pointercancel', onPointerUp);
    el.removeEventListener('pointerleave', onLeave);
    el.removeEventListener('wheel', onWheel);
    el.removeEventListener('dblclick', onDblClick);
    el.removeEventListener('keydown', onKey);
  };
}
