import { useEffect, useRef, useState, type CSSProperties } from 'react';
import type { ImageInfo } from '../../api/types';
import type { View } from '../../engine/view';
import type { ViewerEngine } from '../../engine/ViewerEngine';
import { useViewerParams } from '../../hooks/useViewerParams';
import { ViewerCanvas } from '../ViewerCanvas';
import { describeImage } from '../ViewerPage';

interface Props {
  id: string;
  info: ImageInfo;
  label: string;
  onEngine: (e: ViewerEngine | null) => void;
  onView: (v: View) => void;
  /** CSS matrix turning this image to the first record's orientation (null: as it is). */
  turn: [number, number, number, number] | null;
}

/**
 * One record in the comparison: its own canvas and default rendering, whose limits come (as in
 * the viewer) from the shown plane of a cube, not from the whole cube.
 */
export function ComparePane({ id, info, label, onEngine, onView, turn }: Props) {
  const { params } = useViewerParams(id, info, 'SCI');
  const changedAt = useRef<number | null>(null);
  const [forceCanvas, setForceCanvas] = useState(false);
  const [zoom, setZoom] = useState(0);
  const pane = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  useEffect(() => {
    const el = pane.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => setSize([entry.contentRect.width, entry.contentRect.height]));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // A turned image needs a square canvas as wide as the pane's diagonal to cover the pane.
  const side = Math.ceil(Math.hypot(size[0], size[1]));
  const frame: CSSProperties | undefined =
    turn && side > 0
      ? { position: 'absolute', flex: 'none', width: side, height: side, left: (size[0] - side) / 2, top: (size[1] - side) / 2, transform: `matrix(${turn.map((v) => v.toFixed(6)).join(', ')}, 0, 0)` }
      : undefined;
  const degrees = turn ? (Math.atan2(turn[1], turn[0]) * 180) / Math.PI : 0;
  return (
    <div
      ref={pane}
      className="compare__pane"
      data-testid="compare-pane"
      data-zoom={zoom.toFixed(3)}
      data-turn={turn ? degrees.toFixed(1) : '0'}
      data-flipped={turn && turn[0] * turn[3] - turn[1] * turn[2] < 0 ? '1' : '0'}
      aria-label={label}
      role="group"
    >
      <ViewerCanvas
        recordId={id}
        title={label}
        description={describeImage(info, params)}
        info={info}
        params={params}
        changedAt={changedAt}
        forceCanvas={forceCanvas}
        grid={null}
        showGrid={false}
        pinned={null}
        onHover={() => undefined}
        onPick={() => undefined}
        onEngine={onEngine}
        onView={(v) => {
          setZoom(v.zoom);
          onView(v);
        }}
        onF16Unavailable={() => setForceCanvas(true)}
        frameStyle={frame}
      />
      <span className="compare__label">{label}</span>
    </div>
  );
}
