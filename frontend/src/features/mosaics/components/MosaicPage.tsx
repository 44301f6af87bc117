import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { ProgressBar } from '@/components/ProgressBar';
import { cancelJob, createMosaic, getJob, planMosaic, searchRecords, type Job, type LibraryRecord, type MosaicPlan, type MosaicRequest } from '../api/mosaics';
import { SkyMap } from './SkyMap';

type Combine = NonNullable<MosaicRequest['combine']>;
const COMBINES: Combine[] = ['mean', 'median', 'sum', 'min', 'max', 'first', 'last'];
const DONE = ['succeeded', 'failed', 'cancelled'];

const mb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

/** Choose records, read the plan (size, memory, time, footprints), set options, run, open. */
export function MosaicPage() {
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState('');
  const [instrument, setInstrument] = useState('');
  const [records, setRecords] = useState<LibraryRecord[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [combine, setCombine] = useState<Combine>('mean');
  const [weights, setWeights] = useState<NonNullable<MosaicRequest['weights']>>('auto');
  const [clip, setClip] = useState(false);
  const [matchBackground, setMatchBackground] = useState(false);
  const [allowUnits, setAllowUnits] = useState(false);
  const [plan, setPlan] = useState<MosaicPlan | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const t = setTimeout(() => {
      searchRecords(q, filter, instrument)
        .then((page) => setRecords(page.items))
        .catch(setError);
    }, 250);
    return () => clearTimeout(t);
  }, [q, filter, instrument]);

  useEffect(() => {
    if (!job || DONE.includes(job.status)) return;
    const t = setTimeout(() => void getJob(job.id).then(setJob).catch(setError), 700);
    return () => clearTimeout(t);
  }, [job]);

  const body = (): MosaicRequest => ({
    record_ids: chosen,
    combine,
    weights,
    clip,
    match_background: matchBackground,
    allow_mixed_units: allowUnits,
  });
  const toggle = (id: string, on: boolean) => {
    setPlan(null);
    setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
  };
  const doPlan = async () => {
    setError(null);
    try {
      setPlan(await planMosaic(body()));
    } catch (err) {
      setPlan(null);
      setError(err);
    }
  };
  const run = async () => {
    setError(null);
    try {
      const r = await createMosaic(body());
      setPlan(r.plan);
      setJob({ id: r.job_id, status: 'queued', progress: {} } as Job);
    } catch (err) {
      setError(err);
    }
  };
  const running = !!job && !DONE.includes(job.status);
  const recordId = job?.status === 'succeeded' ? String((job.result as Record<string, unknown> | null)?.record_id ?? '') : '';

  return (
    <div className="mosaic-page">
      <PageHeader title="Mosaic" />
      <section aria-label="Choose records" className="mosaic-choose">
        <h2>Inputs</h2>
        <div className="mosaic-filters">
          <label className="cfield">
            <span className="cfield__label">Search</span>
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="target, programme, file" />
          </label>
          <label className="cfield">
            <span className="cfield__label">Filter</span>
            <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="F200W" />
          </label>
          <label className="cfield">
            <span className="cfield__label">Instrument</span>
            <input value={instrument} onChange={(e) => setInstrument(e.target.value)} placeholder="NIRCAM" />
          </label>
        </div>
        <ul className="mosaic-records" aria-label="Records">
          {records.map((r) => (
            <li key={r.id}>
              <label className="cfield cfield--check">
                <input type="checkbox" checked={chosen.includes(r.id)} onChange={(e) => toggle(r.id, e.target.checked)} />
                {r.file_name}
                {r.metadata?.filter ? ` — ${String(r.metadata.filter)}` : ''}
              </label>
            </li>
          ))}
        </ul>
        <p>{chosen.length} chosen</p>
      </section>

      <section aria-label="Options" className="mosaic-options">
        <h2>Options</h2>
        <label className="cfield cfield--inline">
          <span className="cfield__label">Combine</span>
          <select value={combine} onChange={(e) => setCombine(e.target.value as Combine)}>
            {COMBINES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="cfield cfield--inline">
          <span className="cfield__label">Weights</span>
          <select value={weights} onChange={(e) => setWeights(e.target.value as typeof weights)}>
            <option value="auto">auto (WHT, else ERR)</option>
            <option value="wht">WHT</option>
            <option value="err">inverse variance (ERR)</option>
            <option value="none">none</option>
          </select>
        </label>
        <label className="cfield cfield--check">
          <input type="checkbox" checked={clip} onChange={(e) => setClip(e.target.checked)} /> Sigma clipping
        </label>
        <label className="cfield cfield--check">
          <input type="checkbox" checked={matchBackground} onChange={(e) => setMatchBackground(e.target.checked)} /> Match backgrounds
        </label>
        <label className="cfield cfield--check">
          <input type="checkbox" checked={allowUnits} onChange={(e) => setAllowUnits(e.target.checked)} /> Allow different units
        </label>
        <div className="mosaic-actions">
          <button type="button" className="btn" onClick={() => void doPlan()} disabled={!chosen.length || running}>
            Plan
          </button>
          <button type="button" className="btn btn--primary" onClick={() => void run()} disabled={!chosen.length || running}>
            Make mosaic
          </button>
        </div>
      </section>

      {error != null && <ErrorNotice error={error} />}

      {plan && (
        <section aria-label="Plan" className="mosaic-plan">
          <h2>Plan</h2>
          <dl className="mosaic-plan__facts">
            <dt>Size</dt>
            <dd>
              {plan.width} × {plan.height} px ({plan.megapixels.toFixed(1)} Mpx)
            </dd>
            <dt>Pixel scale</dt>
            <dd>{plan.pixel_scale_arcsec != null ? `${plan.pixel_scale_arcsec.toFixed(4)}″` : '—'}</dd>
            <dt>On disk</dt>
            <dd>{mb(plan.disk_bytes)}</dd>
            <dt>Memory</dt>
            <dd>{mb(plan.memory_bytes)}</dd>
            <dt>Time</dt>
            <dd>about {plan.seconds.toFixed(1)} s</dd>
            <dt>Blocks</dt>
            <dd>
              {plan.blocks} of {plan.block_size} px
            </dd>
            <dt>Overlaps</dt>
            <dd>{plan.overlaps.length}</dd>
          </dl>
          <SkyMap plan={plan} />
        </section>
      )}

      {job && (
        <section aria-label="Run" className="mosaic-run" data-status={job.status} aria-live="polite">
          <ProgressBar value={job.progress?.fraction ?? null} label="Mosaic progress" />
          <span>
            {job.status}
            {job.progress?.message ? ` — ${job.progress.message}` : job.progress?.stage ? ` — ${job.progress.stage}` : ''}
            {job.error ? `: ${job.error.message}` : ''}
          </span>
          {running && (
            <button type="button" className="btn btn--small" onClick={() => void cancelJob(job.id).then(setJob).catch(setError)}>
              Cancel
            </button>
          )}
          {recordId && (
            <Link className="btn btn--primary" to={`/records/${recordId}`}>
              Open the mosaic
            </Link>
          )}
        </section>
      )}
    </div>
  );
}
