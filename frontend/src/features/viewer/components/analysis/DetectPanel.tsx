import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { ProgressBar } from '@/components/ProgressBar';
import { errorMessage } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { getJob, startDetect } from '../../api/analysis';
import type { Catalogue } from '../../api/analysisTypes';
import type { DetectParams, Region } from '../../api/analysisTypes';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';
import { CatalogueTable } from './CatalogueTable';

const DEFAULTS: DetectParams = { method: 'auto', threshold: 3, fwhm: 3, npixels: 10, deblend: false, sharplo: 0.2, sharphi: 1, roundlo: -1, roundhi: 1 };

interface Props {
  id: string;
  ext: string;
  slice: number;
  region: Region | null;
  a: AnalysisScene;
  selected: number | null;
  onSelect: (i: number | null) => void;
  /** The catalogue shown on the image: kept by the analysis side, so it survives a change of
   * tab and is found again (the newest detection of this record) when the viewer reopens. */
  catalogueId: string | null;
  onCatalogue: (id: string | null) => void;
  catalogue: { data?: Catalogue; isError: boolean; error: unknown };
}

function NumberField({ label, value, step, onChange }: { label: string; value: number; step: number; onChange: (v: number) => void }) {
  const fid = `det-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field field--inline">
      <label htmlFor={fid}>{label}</label>
      <input id={fid} type="number" step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} />
    </div>
  );
}

/** Source detection: parameters, the `detect` job's progress, then markers and the catalogue table. */
export function DetectPanel({ id, ext, slice, region, a, selected, onSelect, catalogueId, onCatalogue, catalogue }: Props) {
  const [p, setP] = useState<DetectParams>(DEFAULTS);
  const [inRegion, setInRegion] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [showTable, setShowTable] = useState(false);
  const set = (patch: Partial<DetectParams>) => setP((old) => ({ ...old, ...patch }));

  const job = useQuery({
    queryKey: ['job', jobId],
    queryFn: () => getJob(jobId!),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && ['succeeded', 'failed', 'cancelled'].includes(q.state.data.status) ? false : 700),
  });
  useEffect(() => {
    const j = job.data;
    if (j?.status === 'succeeded' && j.result?.record_id) onCatalogue(String(j.result.record_id));
  }, [job.data, onCatalogue]);

  const run = async () => {
    try {
      onCatalogue(null);
      const j = await startDetect(id, { ext, slice, region: inRegion ? region : null, params: p });
      setJobId(j.id);
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const j = job.data;
  const running = j && (j.status === 'queued' || j.status === 'running');

  return (
    <div className="analysis__panel">
      <form
        className="detect-form"
        aria-label="Detection parameters"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="field field--inline">
          <label htmlFor="det-method">Method</label>
          <select id="det-method" value={p.method} onChange={(e) => set({ method: e.target.value as DetectParams['method'] })}>
            <option value="auto">Automatic</option>
            <option value="segmentation">Segmentation</option>
            <option value="dao">DAOStarFinder</option>
            <option value="iraf">IRAFStarFinder</option>
          </select>
        </div>
        <NumberField label="Threshold (σ)" value={p.threshold} step={0.5} onChange={(v) => set({ threshold: v })} />
        <NumberField label="FWHM (px)" value={p.fwhm} step={0.5} onChange={(v) => set({ fwhm: v })} />
        <NumberField label="Minimum pixels" value={p.npixels} step={1} onChange={(v) => set({ npixels: v })} />
        <label className="check">
          <input type="checkbox" checked={p.deblend} onChange={(e) => set({ deblend: e.target.checked })} /> Deblend
        </label>
        <details>
          <summary>Star finder limits</summary>
          <NumberField label="Sharpness low" value={p.sharplo} step={0.1} onChange={(v) => set({ sharplo: v })} />
          <NumberField label="Sharpness high" value={p.sharphi} step={0.1} onChange={(v) => set({ sharphi: v })} />
          <NumberField label="Roundness low" value={p.roundlo} step={0.1} onChange={(v) => set({ roundlo: v })} />
          <NumberField label="Roundness high" value={p.roundhi} step={0.1} onChange={(v) => set({ roundhi: v })} />
        </details>
        <label className="check">
          <input type="checkbox" checked={inRegion} disabled={!region} onChange={(e) => setInRegion(e.target.checked)} /> Only in the selected region
        </label>
        <button type="submit" className="btn btn--primary btn--small" disabled={Boolean(running)}>
          Detect sources
        </button>
      </form>
      {j && (
        <div className="detect-status" role="status" data-testid="detect-status" data-status={j.status}>
          {running && <ProgressBar value={j.progress?.fraction ?? 0} label="Detection progress" />}
          <span>
            {j.status}
            {running && j.progress?.message ? ` · ${j.progress.message}` : ''}
            {j.status === 'succeeded' && j.result ? ` · ${String(j.result.sources)} sources (${String(j.result.method)})` : ''}
          </span>
          {j.error && <span className="error">{j.error.message}</span>}
        </div>
      )}
      {catalogue.isError && <ErrorNotice error={catalogue.error} />}
      {catalogue.data && (
        <>
          <p className="small">
            {catalogue.data.count} sources on the image · saved as a catalogue record{' '}
            <Link to={`/records/${catalogueId}`}>in your library</Link>
          </p>
          <button type="button" className="btn btn--small" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
            {showTable ? 'Hide the catalogue table' : 'Open the catalogue table'}
          </button>
          {showTable && catalogueId && (
            <CatalogueTable
              id={catalogueId}
              cat={catalogue.data}
              selected={selected}
              onSelect={onSelect}
              onHover={(i) => {
                a.scene.hoveredSource = i;
                a.redraw();
              }}
            />
          )}
        </>
      )}
    </div>
  );
}
