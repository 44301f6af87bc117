import { useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { saveBlob } from '@/lib/download';
import { errorMessage } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { exportRegionsDs9, importRegionsDs9, regionStats } from '../../api/analysis';
import type { Shape } from '../../api/analysisTypes';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';
import type { useRegions } from '../../hooks/useRegions';
import type { RegionMode } from '../../hooks/useRegionTool';
import { describe } from '../../layers/regionGeometry';
import { RegionStatsTable } from './RegionStatsTable';

const SHAPES: Array<{ id: Shape; label: string }> = [
  { id: 'circle', label: 'Circle' },
  { id: 'ellipse', label: 'Ellipse' },
  { id: 'rectangle', label: 'Box' },
  { id: 'polygon', label: 'Polygon' },
  { id: 'point', label: 'Point' },
];

interface Props {
  id: string;
  ext: string;
  slice: number;
  mode: RegionMode;
  onMode: (m: RegionMode) => void;
  regions: ReturnType<typeof useRegions>;
  selected: string | null;
  onSelect: (id: string | null) => void;
  a: AnalysisScene;
}

/** Drawing tools, the list of saved regions, the selected region's statistics, DS9 files. */
export function RegionsPanel({ id, ext, slice, mode, onMode, regions, selected, onSelect }: Props) {
  const items = regions.list.data?.items ?? [];
  const current = items.find((r) => r.id === selected) ?? null;
  const stats = useQuery({
    queryKey: ['viewer', id, 'stats', ext, slice, JSON.stringify(current?.region ?? null)],
    queryFn: () => regionStats(id, current!.region, ext, slice),
    enabled: current !== null,
    retry: false,
  });
  const file = useRef<HTMLInputElement>(null);

  const onImport = async (f: File | undefined) => {
    if (!f) return;
    try {
      const got = await importRegionsDs9(id, await f.text());
      toast.success(`Imported ${got.items.length} regions`);
      void regions.refresh();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const onExport = async () => {
    try {
      saveBlob(await exportRegionsDs9(id), `${id}.reg`);
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };

  return (
    <div className="analysis__panel">
      <div className="tool-row" role="group" aria-label="Region tools">
        <button type="button" className="btn btn--small" aria-pressed={mode === 'select'} onClick={() => onMode('select')}>
          Select
        </button>
        {SHAPES.map((s) => (
          <button key={s.id} type="button" className="btn btn--small" aria-pressed={mode === s.id} onClick={() => onMode(s.id)}>
            {s.label}
          </button>
        ))}
      </div>
      <p className="muted small">
        {mode === 'select'
          ? 'Click a region to select it; drag to move, drag a handle to resize; arrow keys nudge (Shift: 10 px); Delete removes.'
          : mode === 'polygon'
            ? 'Click each vertex; Enter or a click on the first vertex closes the polygon; Escape cancels.'
            : 'Drag on the image to draw.'}
      </p>
      <ul className="region-list" aria-label="Regions">
        {items.map((r) => (
          <li key={r.id} className={r.id === selected ? 'is-selected' : undefined}>
            <button type="button" className="linklike" aria-pressed={r.id === selected} onClick={() => onSelect(r.id === selected ? null : r.id)}>
              {r.label || describe(r.region)}
            </button>
            <button type="button" className="btn btn--small" aria-label={`Delete ${r.label || describe(r.region)}`} onClick={() => regions.remove.mutate(r.id)}>
              ×
            </button>
          </li>
        ))}
        {!items.length && <li className="muted">No regions yet.</li>}
      </ul>
      <div className="tool-row">
        <button type="button" className="btn btn--small" onClick={() => file.current?.click()}>
          Import DS9…
        </button>
        <input ref={file} type="file" accept=".reg,text/plain" hidden aria-label="DS9 region file" onChange={(e) => void onImport(e.target.files?.[0])} />
        <button type="button" className="btn btn--small" onClick={() => void onExport()} disabled={!items.length}>
          Export DS9
        </button>
      </div>
      {current && stats.isError && <ErrorNotice error={stats.error} />}
      {current && stats.data && <RegionStatsTable stats={stats.data} />}
    </div>
  );
}
