import { useRef, useState } from 'react';
import type { ImageInfo } from '../../api/types';
import type { View } from '../../engine/view';
import type { ViewerEngine } from '../../engine/ViewerEngine';
import { initialParams } from '../../hooks/useRenderParams';
import { ViewerCanvas } from '../ViewerCanvas';
import { describeImage } from '../ViewerPage';

interface Props {
  id: string;
  info: ImageInfo;
  label: string;
  onEngine: (e: ViewerEngine | null) => void;
  onView: (v: View) => void;
}

/** One record in the comparison: its own canvas and default rendering. */
export function ComparePane({ id, info, label, onEngine, onView }: Props) {
  const [params] = useState(() => initialParams(info));
  const changedAt = useRef<number | null>(null);
  const [forceCanvas, setForceCanvas] = useState(false);
  const [zoom, setZoom] = useState(0);
  return (
    <div className="compare__pane" data-testid="compare-pane" data-zoom={zoom.toFixed(3)} aria-label={label} role="group">
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
      />
      <span className="compare__label">{label}</span>
    </div>
  );
}
