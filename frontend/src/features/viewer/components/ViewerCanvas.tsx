import { useEffect, useId, useLayoutEffect, useRef } from 'react';
import type { GridData, ImageInfo, RenderParams } from '../api/types';
import { attachInput, type ToolHandler } from '../engine/input';
import type { Scene } from '../layers/scene';
import type { View } from '../engine/view';
import { ViewerEngine } from '../engine/ViewerEngine';

interface Props {
  recordId: string;
  /** The image's name (its file name), and what it shows, for assistive technology. */
  title: string;
  description: string;
  info: ImageInfo;
  params: RenderParams;
  changedAt: React.RefObject<number | null>;
  forceCanvas: boolean;
  grid: GridData | null;
  showGrid: boolean;
  pinned: [number, number] | null;
  onHover: (display: [number, number] | null) => void;
  onPick: (display: [number, number]) => void;
  onEngine: (engine: ViewerEngine | null) => void;
  onView: (v: View) => void;
  onF16Unavailable: () => void;
  /** Analysis overlays and the active analysis tool (optional). */
  scene?: Scene | null;
  tool?: React.RefObject<ToolHandler | null>;
  /** Placement of the canvas pair (a comparison pane turns it to another record's orientation). */
  frameStyle?: React.CSSProperties;
}

/** The canvas pair (image + overlay) and the engine's lifetime; React is not in the draw path. */
export function ViewerCanvas(props: Props) {
  const { recordId, title, description, info, params, forceCanvas, grid, showGrid, pinned } = props;
  const helpId = useId();
  const descId = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const engine = useRef<ViewerEngine | null>(null);
  const cbs = useRef(props);
  cbs.current = props;

  useEffect(() => {
    const el = wrap.current;
    if (!el || !canvas.current || !overlay.current) return;
    const e = new ViewerEngine({
      canvas: canvas.current,
      overlay: overlay.current,
      recordId,
      info,
      params: cbs.current.params,
      forceCanvas,
      onViewChange: (v) => cbs.current.onView(v),
      onF16Unavailable: () => cbs.current.onF16Unavailable(),
    });
    engine.current = e;
    const ro = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      e.resize(width, height);
    });
    ro.observe(el);
    const detach = attachInput(el, e, {
      onHover: (d) => cbs.current.onHover(d),
      onPick: (d) => cbs.current.onPick(d),
      tool: () => cbs.current.tool?.current ?? null,
    });
    e.setScene(cbs.current.scene ?? null);
    cbs.current.onEngine(e);
    return () => {
      detach();
      ro.disconnect();
      e.destroy();
      engine.current = null;
      cbs.current.onEngine(null);
    };
  }, [recordId, info, forceCanvas]);

  useLayoutEffect(() => {
    engine.current?.setParams(params, cbs.current.changedAt.current ?? undefined);
  }, [params]);
  useEffect(() => engine.current?.setGrid(grid), [grid]);
  useEffect(() => engine.current?.setShowGrid(showGrid), [showGrid]);
  useEffect(() => engine.current?.setPinned(pinned), [pinned]);
  useEffect(() => engine.current?.setScene(props.scene ?? null), [props.scene]);

  return (
    <div
      ref={wrap}
      className="viewer-canvas"
      style={props.frameStyle}
      tabIndex={0}
      role="application"
      aria-roledescription="image viewer"
      aria-label={`Image viewer: ${title}`}
      aria-describedby={`${descId} ${helpId}`}
      data-testid="viewer-canvas"
    >
      <canvas
        key={forceCanvas ? 'c2d' : 'gl'}
        ref={canvas}
        className="viewer-canvas__image"
        role="img"
        aria-label={title}
        aria-describedby={descId}
        data-testid="viewer-image"
      />
      <canvas ref={overlay} className="viewer-canvas__overlay" aria-hidden="true" />
      <p id={descId} className="sr-only">
        {description}
      </p>
      <p id={helpId} className="sr-only">
        Drag or use the arrow keys to pan; scroll, pinch or press plus and minus to zoom; 0 fits the image; Enter pins the pixel at the
        centre and reads its value.
      </p>
    </div>
  );
}
