import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Spinner } from '@/components/Spinner';
import { getPresets, getRecord, recordsOfTarget, type LibraryRecord } from '../api/composites';
import { finishOf, lookOf, sharpenOf } from '../engine/looks';
import { useBuilder, type Draft } from '../hooks/useBuilder';
import { ChannelCard } from './ChannelCard';
import { ExportPanel } from './ExportPanel';
import { FinishControls } from './FinishControls';
import { LiveCanvas } from './LiveCanvas';
import { PresetBar } from './PresetBar';

/** One channel per filter (several records of a filter, such as tiles, share a channel). */
export function draftFromRecords(records: Array<Pick<LibraryRecord, 'id' | 'metadata'>>): Draft {
  const groups = new Map<string, string[]>();
  for (const r of records) {
    const key = String(r.metadata?.filter ?? r.id);
    groups.set(key, [...(groups.get(key) ?? []), r.id]);
  }
  return { channels: [...groups.values()].map((ids) => ({ record_ids: ids, stretch: 'asinh', interval: '99.5' })), grid: { mode: 'union' } };
}

function SourcePicker({ onDraft }: { onDraft: (d: Draft) => void }) {
  const [target, setTarget] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="csource"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        recordsOfTarget(target.trim())
          .then((r) => (r.items.length ? onDraft(draftFromRecords(r.items)) : setError(new Error(`no images of ${target} in your library`))))
          .catch(setError);
      }}
    >
      <p>Choose records in the library and press “Make a composite”, or take every filter of a target:</p>
      <label className="cfield cfield--inline">
        <span className="cfield__label">Target</span>
        <input value={target} onChange={(e) => setTarget(e.target.value)} placeholder="NGC 3324" required />
      </label>
      <button type="submit" className="btn btn--primary">
        Use all filters of this target
      </button>
      {error != null && <ErrorNotice error={error} />}
    </form>
  );
}

function useInitial(): { id?: string; draft?: Draft; needsSource: boolean; setDraft: (d: Draft) => void } {
  const { id } = useParams();
  const [params] = useSearchParams();
  const ids = (params.get('records') ?? '').split(',').filter(Boolean);
  const [picked, setPicked] = useState<Draft | undefined>();
  const fromRecords = useQuery({
    queryKey: ['composite-records', ids.join(',')],
    queryFn: async () => draftFromRecords(await Promise.all(ids.map(getRecord))),
    enabled: !id && ids.length > 0,
    staleTime: Infinity,
  });
  const existing = id && id !== 'new' ? id : undefined;
  return { id: existing, draft: picked ?? fromRecords.data, needsSource: !existing && !ids.length && !picked, setDraft: setPicked };
}

export function CompositeBuilderPage() {
  const initial = useInitial();
  const [params] = useSearchParams();
  const forceServer = params.get('renderer') === 'server';
  const builder = useBuilder({ id: initial.id, draft: initial.draft });
  const presets = useQuery({ queryKey: ['composite-presets'], queryFn: getPresets });
  const qc = useQueryClient();
  const { draft, composite } = builder;
  const looks = useMemo(
    () => (draft && composite && draft.channels.length === composite.channels.length ? draft.channels.map((c, i) => lookOf(c, composite.channels[i])) : []),
    [draft, composite],
  );
  const finish = useMemo(() => finishOf(draft?.adjust), [draft?.adjust]);
  const luminance = useMemo(() => (draft?.luminance && composite?.luminance ? lookOf(draft.luminance, composite.luminance) : null), [draft?.luminance, composite?.luminance]);
  const sharpen = useMemo(() => sharpenOf(draft?.adjust), [draft?.adjust]);
  const ready = !!draft && !!composite && looks.length === composite.channels.length;
  return (
    <div className="page page--composite">
      <PageHeader title="Composite builder">
        {composite && <span className="composite-size">{`${composite.width} × ${composite.height} px`}</span>}
      </PageHeader>
      {initial.needsSource && !draft && <SourcePicker onDraft={initial.setDraft} />}
      {builder.error != null && <ErrorNotice error={builder.error} />}
      {!ready && !initial.needsSource && builder.error == null && <Spinner label="Aligning the channels" />}
      {ready && draft && composite && (
        <>
          <PresetBar draft={draft} composite={composite} presets={presets.data} onChange={builder.update} onSaved={() => void qc.invalidateQueries({ queryKey: ['composite-presets'] })} />
          <div className="composite-layout" aria-busy={builder.busy}>
            <LiveCanvas composite={composite} draft={draft} looks={looks} luminance={luminance} finish={finish} sharpen={sharpen} forceServer={forceServer} />
            <div className="composite-side">
              <h2 className="sr-only">Channels</h2>
              <ol className="channels" aria-label="Channels, shortest wavelength first">
                {draft.channels.map((c, i) => (
                  <ChannelCard
                    key={`${(c.record_ids ?? [c.record_id]).join(',')}-${i}`}
                    channel={c}
                    info={composite.channels[i]}
                    onChange={(next) => builder.update({ ...draft, channels: draft.channels.map((x, j) => (j === i ? next : x)) })}
                    onRemove={draft.channels.length > 1 ? () => builder.update({ ...draft, channels: draft.channels.filter((_, j) => j !== i) }) : undefined}
                  />
                ))}
              </ol>
              <FinishControls draft={draft} composite={composite} sizes={presets.data?.size_presets ?? {}} onChange={builder.update} />
            </div>
          </div>
          <p className="composite-estimate" data-status={composite.estimate.status}>
            Full resolution: {composite.estimate.width} × {composite.estimate.height} px, about {(composite.estimate.memory_bytes / 1024 ** 2).toFixed(0)} MB and{' '}
            {composite.estimate.seconds.toFixed(1)} s ({composite.estimate.status}){composite.estimate.reasons?.length ? `: ${composite.estimate.reasons.join("; ")}` : ""}.
          </p>
          <ExportPanel draft={draft} />
        </>
      )}
    </div>
  );
}
