import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ErrorNotice, NotAvailable } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { ApiError } from '@/lib/api/errors';
import type { ImageInfo, RenderParams } from '../api/types';
import { getRecordSummary } from '../api/viewer';
import { displayToArray } from '../engine/geometry';
import type { View } from '../engine/view';
import type { ViewerEngine } from '../engine/ViewerEngine';
import { useAnalysisScene } from '../hooks/useAnalysisScene';
import { mosaicFootprints, type Footprint } from '../layers/footprintLayer';
import { useViewerParams } from '../hooks/useViewerParams';
import { AnalysisSide } from './analysis/AnalysisSide';
import { useGrid, useImageInfo, usePixel } from '../hooks/useViewerData';
import { Controls } from './Controls';
import { ExportPanel } from './ExportPanel';
import { Histogram } from './Histogram';
import { ImageNotice } from './ImageNotice';
import { Readout } from './Readout';
import { SliceSlider } from './SliceSlider';
import { ShortcutsHelp } from './ShortcutsHelp';
import { useViewerShortcuts } from '../hooks/useViewerShortcuts';
import { ViewerCanvas } from './ViewerCanvas';
import { extLabel, extValue, selectedExt } from './extensions';

export function ViewerPage() {
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const [ext, setExt] = useState(search.get('ext') ?? 'SCI');
  const info = useImageInfo(id, ext);
  const record = useQuery({ queryKey: ['viewer', id, 'record'], queryFn: () => getRecordSummary(id), staleTime: 60_000 });
  const title = record.data?.file_name ?? 'Viewer';
  const footprints = useMemo(() => mosaicFootprints(record.data?.metadata), [record.data]);

  if (info.isPending) return <PageLoading />;
  if (info.isError) {
    const missing = info.error instanceof ApiError && info.error.isMissingEndpoint;
    return (
      <div className="page">
        <PageHeader title={title} />
        {missing ? <NotAvailable what="The image viewer" /> : <ErrorNotice error={info.error} onRetry={() => void info.refetch()} />}
        <Link to={`/records/${id}`}>Back to the record</Link>
      </div>
    );
  }
  return <Viewer key={ext} id={id} info={info.data} ext={ext} onExt={setExt} title={title} footprints={footprints} forceCanvasInitially={search.get('renderer') === '2d' || !!info.data.rgb} floatTiles={search.get('tiles') === 'f32' ? 'f32' : 'f16'} />;
}

/** What the canvas shows, in words: its size and unit and how it is displayed. */
export function describeImage(info: ImageInfo, p: RenderParams): string {
  const nx = info.shape[info.shape.length - 1] ?? 0;
  const ny = info.shape[info.shape.length - 2] ?? 1;
  const slices = info.cube && info.cube.size > 1 ? `, slice ${p.slice + 1} of ${info.cube.size}` : '';
  const unit = info.bunit ? `, values in ${info.bunit}` : '';
  const invert = p.invert ? ', inverted' : '';
  return `${nx} × ${ny} pixels${slices}${unit}; shown with a ${p.stretch} stretch and the ${p.cmap} colour map${invert}.`;
}

interface ViewerProps {
  id: string;
  info: ImageInfo;
  ext: string;
  onExt: (ext: string) => void;
  title: string;
  /** A mosaic's input footprints (empty for other records). */
  footprints: Footprint[];
  forceCanvasInitially: boolean;
  floatTiles: 'f16' | 'f32';
}

function Viewer({ id, info, ext, onExt, title, footprints, forceCanvasInitially, floatTiles }: ViewerProps) {
  // A cube's limits and histogram (`source`) are its shown plane's.
  const { params, source, set, setInterval, setLevels, setPercentile, reset } = useViewerParams(id, info, ext);
  const changedAt = useRef<number | null>(null);
  const [forceCanvas, setForceCanvas] = useState(forceCanvasInitially);
  const [engine, setEngine] = useState<ViewerEngine | null>(null);
  const [zoom, setZoom] = useState(1);
  const [showGrid, setShowGrid] = useState(false);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const [pinned, setPinned] = useState<[number, number] | null>(null);
  const grid = useGrid(id, ext, showGrid);
  const analysis = useAnalysisScene(engine, info);
  const [showFootprints, setShowFootprints] = useState(true);
  const { scene, redraw } = analysis;
  useEffect(() => {
    scene.footprints = showFootprints ? footprints : [];
    redraw();
  }, [scene, redraw, footprints, showFootprints]);
  const height = info.shape[info.shape.length - 2] ?? 0;
  const flipY = info.flip_y ?? true;

  const toArray = useCallback(
    (d: [number, number] | null): [number, number] | null => {
      if (!d) return null;
      const [ax, ay] = displayToArray(d[0], d[1], height, flipY);
      return [Math.round(ax), Math.round(ay)];
    },
    [height, flipY],
  );
  const hoverPos = useMemo(() => toArray(hover), [hover, toArray]);
  const pinnedPos = useMemo(() => toArray(pinned), [pinned, toArray]);
  const hoverPixel = usePixel(id, hoverPos, ext, params.slice);
  const pinnedPixel = usePixel(id, pinnedPos, ext, params.slice);

  const stamp = (at: number) => {
    changedAt.current = at;
  };
  const [playing, setPlaying] = useState(false);
  const [help, setHelp] = useState(false);
  const slices = info.cube?.size ?? 1;
  useViewerShortcuts({
    params,
    set: (patch, at) => {
      stamp(at);
      set(patch);
    },
    reset,
    slices,
    togglePlay: () => setPlaying((v) => !v),
    toggleHelp: () => setHelp((v) => !v),
  });
  const imageHdus = (info.hdus ?? []).filter((h) => (h.type ?? 'image').includes('image') && h.shape && h.shape.length >= 2);

  return (
    <div className="page page--viewer">
      <PageHeader title={title}>
        <Link className="btn btn--small" to={`/records/${id}`}>
          Record
        </Link>
      </PageHeader>
      <div className="viewer-toolbar" role="toolbar" aria-label="View">
        <button type="button" className="btn btn--small" onClick={() => engine?.zoomBy(1 / 1.5)} aria-label="Zoom out">
          −
        </button>
        <span className="viewer-toolbar__zoom" aria-live="off">
          {(zoom * 100).toFixed(zoom < 0.1 ? 1 : 0)}%
        </span>
        <button type="button" className="btn btn--small" onClick={() => engine?.zoomBy(1.5)} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="btn btn--small" onClick={() => engine?.fit()}>
          Fit
        </button>
        <button type="button" className="btn btn--small" onClick={() => engine?.zoomTo(1)}>
          1:1
        </button>
        <button type="button" className="btn btn--small" aria-expanded={help} aria-keyshortcuts="?" onClick={() => setHelp((v) => !v)}>
          Shortcuts
        </button>
        <label className="check">
          <input type="checkbox" checked={showGrid} onChange={(e) => setShowGrid(e.target.checked)} /> RA/Dec grid
        </label>
        {showGrid && grid.isError && <span className="muted">grid unavailable</span>}
        {footprints.length > 0 && (
          <label className="check" title={footprints.map((f) => f.name).join('\n')}>
            <input type="checkbox" checked={showFootprints} onChange={(e) => setShowFootprints(e.target.checked)} /> Input footprints ({footprints.length})
          </label>
        )}
        {imageHdus.length > 1 && (
          <div className="field field--inline">
            <label htmlFor="v-ext">Extension</label>
            <select id="v-ext" value={selectedExt(ext, imageHdus)} onChange={(e) => onExt(e.target.value)}>
              {imageHdus.map((h) => (
                <option key={h.index} value={extValue(h, imageHdus)}>
                  {extLabel(h, imageHdus)}
                </option>
              ))}
            </select>
          </div>
        )}
        <span className="muted viewer-toolbar__renderer" data-testid="renderer">
          {engine?.kind === 'webgl2' ? 'WebGL' : '2-D'}
        </span>
      </div>
      <div className="viewer-layout">
        <div className="viewer-stage">
          <ImageNotice info={info} zoom={zoom} />
          <ViewerCanvas
            recordId={id}
            title={title}
            description={describeImage(info, params)}
            info={info}
            params={params}
            changedAt={changedAt}
            forceCanvas={forceCanvas}
            floatTiles={floatTiles}
            grid={grid.data ?? null}
            showGrid={showGrid}
            pinned={pinned}
            onHover={setHover}
            onPick={setPinned}
            onEngine={setEngine}
            onView={(v: View) => setZoom(v.zoom)}
            onF16Unavailable={() => setForceCanvas(true)}
            scene={analysis.scene}
            tool={analysis.tool}
          />
        </div>
        <aside className="viewer-side">
          {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
          <Controls
            params={params}
            onChange={(patch, at) => {
              stamp(at);
              set(patch);
            }}
            onInterval={(iv, at) => {
              stamp(at);
              setInterval(iv);
            }}
            onLevels={(lo, hi, at) => {
              stamp(at);
              setLevels(lo, hi);
            }}
            onPercentile={(lo, hi, at) => {
              stamp(at);
              setPercentile(lo, hi);
            }}
            onReset={reset}
          />
          {source.histogram && !info.all_nan && (
            <Histogram
              counts={source.histogram.counts}
              edges={source.histogram.edges}
              vmin={params.vmin}
              vmax={params.vmax}
              unit={info.bunit}
              onChange={(lo, hi, at) => {
                stamp(at);
                setLevels(lo, hi);
              }}
            />
          )}
          {info.cube && info.cube.size > 1 && (
            <SliceSlider
              size={info.cube.size}
              values={info.cube.values}
              unit={info.cube.unit}
              slice={params.slice}
              onChange={(slice) => set({ slice })}
              playing={playing}
              onPlaying={setPlaying}
            />
          )}
          <Readout
            label="Under the cursor"
            pos={hoverPos}
            localValue={hover ? (engine?.valueAt(hover[0], hover[1]) ?? null) : null}
            data={hoverPixel.data}
            unit={info.bunit}
            testId="readout-hover"
          />
          <Readout
            label="Pinned pixel (click)"
            pos={pinnedPos}
            localValue={null}
            data={pinnedPixel.data}
            unit={info.bunit}
            testId="readout-pinned"
            announceAs="Pinned pixel"
          />
          <AnalysisSide id={id} info={info} ext={ext} slice={params.slice} zoom={zoom} pinned={pinnedPos} a={analysis} params={params} name={title} />
          <ExportPanel recordId={id} params={params} baseName={title} maxWidth={Math.max(16, info.shape[info.shape.length - 1] ?? 2048)} />
        </aside>
      </div>
    </div>
  );
}
