import type { Job, JobPage } from '../api/jobs';

/** Merge one job (from the hub) into a page of jobs, newest first, without duplicates. */
export function mergeJob(page: JobPage | undefined, job: Job): JobPage {
  if (!page) return { items: [job], total: 1, offset: 0, limit: 50 };
  const i = page.items.findIndex((j) => j.id === job.id);
  if (i >= 0) {
    const old = page.items[i];
    // Messages may arrive out of order across a reconnect: keep the newer state. States are
    // ordered by the job's version (every write increments it), never by timestamp strings:
    // `…:00Z` sorts after `…:00.300000Z`.
    if ((old.version ?? 0) > (job.version ?? 0)) return page;
    const items = page.items.slice();
    items[i] = job;
    return { ...page, items };
  }
  return { ...page, items: [job, ...page.items], total: page.total + 1 };
}

/** A one-line description of a job's progress. */
export function describeProgress(job: Job): string {
  const p = job.progress;
  if (job.status === 'failed') return job.error?.message ?? 'Failed';
  if (job.status === 'cancelled') return 'Cancelled';
  if (job.status === 'succeeded') return 'Done';
  if (job.status === 'queued') return 'Waiting to start';
  if (job.waiting_for_worker) return 'Waiting for a worker (the last one stopped responding)';
  if (!p) return 'Running';
  const parts: string[] = [];
  if (p.stage) parts.push(p.stage);
  if (p.message) parts.push(p.message);
  if (p.items_total) parts.push(`${p.items_done ?? 0}/${p.items_total} files`);
  if (p.bytes_total) parts.push(`${Math.round((p.bytes_done ?? 0) / 1048576)}/${Math.round(p.bytes_total / 1048576)} MB`);
  return parts.join(' · ') || 'Running';
}

/** The state shown on a job's badge: a running job whose worker went quiet shows as waiting. */
export function jobState(job: Job): string {
  return job.status === 'running' && job.waiting_for_worker ? 'waiting for a worker' : job.status;
}

export function jobFraction(job: Job): number | null {
  if (job.status === 'succeeded') return 1;
  const p = job.progress;
  if (!p) return job.status === 'queued' ? 0 : null;
  const f = p.fraction ?? 0;
  if (f > 0) return f;
  if (p.bytes_total) return (p.bytes_done ?? 0) / p.bytes_total;
  if (p.items_total) return (p.items_done ?? 0) / p.items_total;
  return f;
}

const TYPE_NAMES: Record<string, string> = {
  mast_import: 'Archive import',
  import: 'Archive import',
  composite: 'Colour composite',
  mosaic: 'Mosaic',
  thumbnail: 'Thumbnail',
};

export function jobTitle(job: Job): string {
  const name = TYPE_NAMES[job.type] ?? job.type.replace(/[_.]/g, ' ');
  const obs = job.params?.obsids ?? job.params?.products;
  if (Array.isArray(obs) && obs.length) return `${name}: ${obs.slice(0, 2).join(', ')}${obs.length > 2 ? ` +${obs.length - 2}` : ''}`;
  return name;
}
