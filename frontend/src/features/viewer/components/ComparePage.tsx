import { useQueries, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { pix2world, world2pix } from '../api/analysis';
import type { ImageInfo } from '../api/types';
import { getImageInfo, getRecordSummary } from '../api/viewer';
import { arrayToDisplay, displayToArray } from '../engine/geometry';
import type { View } from '../engine/view';
import type { ViewerEngine } from '../engine/ViewerEngine';
import { affineFrom, apply, invert, scaleOf, turnOf, type Affine } from './compare/alignment';
import { ComparePane } from './compare/ComparePane';

type Mode = 'side' | 'blink' | 'overlay';

/** Array → array affine maps from the first record to each other one, through the sky. */
async function alignments(ids: string[], infos: ImageInfo[]): Promise<Array<Affine | null>> {
  const [w, h] = [infos[0].shape.at(-1) ?? 1, infos[0].shape.at(-2) ?? 1];
  const p: Array<[number, number]> = [
    [w / 2, h / 2],
    [w / 2 + w / 4, h / 2],
    [w / 2, h / 2 + h / 4],
  ];
  const sky = await pix2world(ids[0], p);
  const radec = sky.items.map((s): [number, number] => [s.ra ?? NaN, s.dec ?? NaN]);
  if (radec.some(([a, b]) => !Number.isFinite(a) || !Number.isFinite(b))) return ids.map(() => null);
  return Promise.all(
    ids.map(async (id, i) => {
      if (i === 0) return [1, 0, 0, 0, 1, 0] as Affine;
      const q = (await world2pix(id, radec)).points;
      return q.every(Boolean) ? affineFrom(p, q as Array<[number, number]>) : null;
    }),
  );
}

/** Two or more records side by side with pan and zoom locked by WCS, blinking, or overlaid. */
export function ComparePage() {
  const [search] = useSearchParams();
  const ids = (search.get('ids') ?? '').split(',').filter(Boolean).slice(0, 4);
  const infos = useQueries({ queries: ids.map((id) => ({ queryKey: ['viewer', id, 'info', 'SCI'], queryFn: () => getImageInfo(id, 'SCI'), staleTime: Infinity })) });
  const names = useQueries({ queries: ids.map((id) => ({ queryKey: ['viewer', id, 'record'], queryFn: () => getRecordSummary(id), staleTime: 60_000 })) });
  const ready = infos.every((q) => q.data);
  const maps = useQuery({
    queryKey: ['compare', ...ids],
    queryFn: () => alignments(ids, infos.map((q) => q.data!) as ImageInfo[]),
    enabled: ready && ids.length > 1,
    staleTime: Infinity,
  });
  const [mode, setMode] = useState<Mode>('side');
  const [rate, setRate] = useState(2);
  const [opacity, setOpacity] = useState(0.5);
  const [shown, setShown] = useState(0);
  const [turned, setTurned] = useState(true);
  const engines = useRef<Array<ViewerEngine | null>>([]);
  const syncing = useRef(false);
  const stack = useRef<HTMLDivElement>(null);

  const sync = useCallback(
    (from: number, v: View) => {
      const m = maps.data;
      if (!m || syncing.current || !ready) return;
      const info = (i: number) => infos[i].data!;
      const height = (i: number) => info(i).shape.at(-2) ?? 1;
      const toFirst = from === 0 ? ([1, 0, 0, 0, 1, 0] as Affine) : m[from] && invert(m[from]!);
      if (!toFirst) return;
      const centre0 = apply(toFirst, displayToArray(v.cx, v.cy, height(from)));
      // One pixel of the first record spans scaleOf(m[j]) pixels of record j.
      const zoom0 = v.zoom * (from === 0 ? 1 : scaleOf(m[from]!));
      syncing.current = true;
      try {
        engines.current.forEach((e, j) => {
          if (!e || j === from || !m[j]) return;
          const [ax, ay] = apply(m[j]!, centre0);
          const [dx, dy] = arrayToDisplay(ax, ay, height(j));
          e.setView({ cx: dx, cy: dy, zoom: zoom0 / scaleOf(m[j]!) });
        });
      } finally {
        syncing.current = false;
      }
    },
    [maps.data, ready, infos],
  );

  useEffect(() => {
    if (mode !== 'blink' || ids.length < 2) return;
    const t = setInterval(() => setShown((s) => (s + 1) % ids.length), 1000 / Math.max(0.2, rate));
    return () => clearInterval(t);
  }, [mode, rate, ids.length]);
  useEffect(() => {
    const panes = stack.current?.querySelectorAll<HTMLElement>('.compare__pane');
    panes?.forEach((p, i) => {
      p.style.opacity = mode === 'overlay' && i > 0 ? String(opacity) : '';
      p.hidden = mode === 'blink' && i !== shown;
    });
  }, [mode, opacity, shown, ready]);

  if (ids.length < 2) return <ErrorNotice error={new Error('Choose two or more records to compare (?ids=a,b).')} />;
  const failed = infos.find((q) => q.isError);
  if (failed) return <ErrorNotice error={failed.error} />;
  if (!ready) return <PageLoading />;
  return (
    <div className="page page--viewer">
      <PageHeader title="Compare">
        {ids.map((id, i) => (
          <Link key={id} className="btn btn--small" to={`/viewer/${id}`}>
            {names[i].data?.file_name ?? id}
          </Link>
        ))}
      </PageHeader>
      <div className="viewer-toolbar" role="toolbar" aria-label="Comparison">
        <div role="radiogroup" aria-label="Mode" className="tool-row">
          {(['side', 'blink', 'overlay'] as Mode[]).map((m) => (
            <label key={m} className="check">
              <input type="radio" name="cmp-mode" checked={mode === m} onChange={() => setMode(m)} /> {m === 'side' ? 'Side by side' : m === 'blink' ? 'Blink' : 'Overlay'}
            </label>
          ))}
        </div>
        {mode === 'blink' && (
          <span className="field field--inline">
            <label htmlFor="cmp-rate">Blinks per second</label>
            <input id="cmp-rate" type="range" min={0.5} max={8} step={0.5} value={rate} onChange={(e) => setRate(Number(e.target.value))} />
            <output htmlFor="cmp-rate">{rate}</output>
          </span>
        )}
        {mode === 'overlay' && (
          <span className="field field--inline">
            <label htmlFor="cmp-opacity">Opacity of the top image</label>
            <input id="cmp-opacity" type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
          </span>
        )}
        <label className="check">
          <input type="checkbox" checked={turned} onChange={(e) => setTurned(e.target.checked)} /> Turn to the first record's orientation
        </label>
        <span className="muted small" data-testid="compare-lock">
          {maps.data ? (maps.data.every(Boolean) ? 'pan and zoom locked by WCS' : 'some records have no WCS: not locked') : 'aligning…'}
        </span>
      </div>
      <div ref={stack} className={`compare compare--${mode === 'side' ? 'side' : 'stack'}`} data-mode={mode}>
        {ids.map((id, i) => (
          <ComparePane
            key={id}
            id={id}
            info={infos[i].data!}
            label={names[i].data?.file_name ?? id}
            onEngine={(e) => {
              engines.current[i] = e;
            }}
            onView={(v) => sync(i, v)}
            turn={turned && i > 0 && maps.data?.[i] ? turnOf(maps.data[i]!) : null}
          />
        ))}
      </div>
    </div>
  );
}
