import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { ProgressBar } from '@/components/ProgressBar';
import { authedDownload } from '@/lib/download';
import { createComposite, downloadUrl, getJob, renderComposite, type Job, type Recipe, type RenderFormat } from '../api/composites';

const FORMATS: Array<[RenderFormat, string]> = [
  ['png', 'PNG'],
  ['jpeg', 'JPEG'],
  ['tiff', 'TIFF (16-bit)'],
  ['fits', 'RGB FITS cube'],
];

/** The render job as the panel shows it: a job just started is known only by its id, until the
 *  first poll brings the whole job. */
type JobView = Pick<Job, 'id' | 'status'> & Partial<Pick<Job, 'progress' | 'result' | 'error'>>;

/** Save the recipe (its id is the shareable link) and render it at full resolution as a job. */
export function ExportPanel({ draft }: { draft: Recipe }) {
  const [formats, setFormats] = useState<Set<RenderFormat>>(new Set(['png', 'fits']));
  const [bits, setBits] = useState<8 | 16>(8);
  const [saved, setSaved] = useState<string | null>(null);
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!job || job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') return;
    const t = setTimeout(() => void getJob(job.id).then(setJob).catch(setError), 700);
    return () => clearTimeout(t);
  }, [job]);

  const save = async () => {
    setError(null);
    try {
      const c = await createComposite(draft);
      setSaved(c.id);
      return c.id;
    } catch (err) {
      setError(err);
      return null;
    }
  };
  const render = async () => {
    const id = await save();
    if (!id) return;
    try {
      const r = await renderComposite(id, [...formats], bits);
      setJob({ id: r.job_id, status: 'queued' });
    } catch (err) {
      setError(err);
    }
  };
  const link = saved ? `${window.location.origin}/composites/${saved}` : null;
  const recordId = job?.status === 'succeeded' ? String(job.result?.record_id ?? '') : '';
  return (
    <section className="cexport" aria-label="Export">
      <h2>Export and share</h2>
      <fieldset className="cexport__formats">
        <legend>Formats</legend>
        {FORMATS.map(([f, text]) => (
          <label key={f} className="cfield cfield--check">
            <input
              type="checkbox"
              checked={formats.has(f)}
              onChange={(e) => {
                const n = new Set(formats);
                if (e.target.checked) n.add(f);
                else n.delete(f);
                setFormats(n);
              }}
            />
            {text}
          </label>
        ))}
        <label className="cfield cfield--inline">
          <span className="cfield__label">PNG bits</span>
          <select value={bits} onChange={(e) => setBits(Number(e.target.value) as 8 | 16)}>
            <option value={8}>8</option>
            <option value={16}>16</option>
          </select>
        </label>
      </fieldset>
      <div className="cexport__actions">
        <button type="button" className="btn btn--primary" onClick={() => void render()} disabled={!formats.size || (!!job && !['succeeded', 'failed', 'cancelled'].includes(job.status))}>
          Render full resolution
        </button>
        <button type="button" className="btn" onClick={() => void save()}>
          Get a shareable link
        </button>
      </div>
      {error != null && <ErrorNotice error={error} />}
      {link && saved && (
        <p className="cexport__link">
          Shareable link: <Link to={`/composites/${saved}`}>{link}</Link>
        </p>
      )}
      {job && (
        <div className="cexport__job" data-status={job.status} aria-live="polite">
          <ProgressBar value={job.progress?.fraction ?? null} label="Render progress" />
          <span>
            {job.status}
            {job.progress?.stage ? ` — ${job.progress.stage}` : ''}
            {job.error ? `: ${job.error.message}` : ''}
          </span>
        </div>
      )}
      {recordId && saved && (
        <ul className="cexport__done">
          <li>
            <Link to={`/records/${recordId}`}>Open the composite’s record</Link>
          </li>
          <li>
            <Link to={`/viewer/${recordId}`}>Open in the viewer</Link>
          </li>
          {[...formats].map((f) => (
            <li key={f}>
              <button type="button" className="btn btn--small" onClick={() => void authedDownload(downloadUrl(saved, f), `composite_${saved.slice(0, 12)}.${f === 'jpeg' ? 'jpg' : f === 'tiff' ? 'tif' : f}`)}>
                Download {f.toUpperCase()}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
