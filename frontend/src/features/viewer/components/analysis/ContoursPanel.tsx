import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { getContours, pix2world, sameFieldRecords } from '../../api/analysis';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';

interface Props {
  id: string;
  ext: string;
  slice: number;
  a: AnalysisScene;
  /** The image's width and height in pixels (its centre finds the records of the same field). */
  size: [number, number];
}

/** Contours computed on the server (marching squares) of this record or another one aligned by WCS. */
export function ContoursPanel({ id, ext, slice, a, size }: Props) {
  const [mode, setMode] = useState<'linear' | 'log' | 'custom'>('linear');
  const [n, setN] = useState(8);
  const [levels, setLevels] = useState('');
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const field = useQuery({
    queryKey: ['viewer', id, 'same-field', ext],
    queryFn: async () => {
      const centre = (await pix2world(id, [[size[0] / 2, size[1] / 2]], ext)).items[0];
      return centre?.ra != null && centre.dec != null ? sameFieldRecords(id, [centre.ra, centre.dec]) : [];
    },
    staleTime: 60_000,
  });

  const draw = async () => {
    setBusy(true);
    setNote(null);
    try {
      const source = other.trim();
      const q = { ext, slice, ...(mode === 'custom' ? { levels } : { mode, n }) };
      // Contours of another record are computed on it and drawn on this one (`on`).
      const found = source ? await getContours(source, { ...q, ext: 'SCI', slice: 0, on: id }) : await getContours(id, q);
      a.scene.contours = found.lines;
      a.scene.contourLevels = found.levels;
      a.redraw();
      const of = source ? ` of ${field.data?.find((r) => r.id === source)?.file_name ?? source}` : '';
      setNote(`${found.levels.length} levels, ${found.lines.length} lines${of}${found.truncated ? ' (the shortest were dropped)' : ''}`);
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const clear = () => {
    a.scene.contours = [];
    a.redraw();
    setNote(null);
  };

  return (
    <form
      className="analysis__panel"
      aria-label="Contours"
      onSubmit={(e) => {
        e.preventDefault();
        void draw();
      }}
    >
      <div className="field field--inline">
        <label htmlFor="ct-mode">Levels</label>
        <select id="ct-mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
          <option value="linear">Linear</option>
          <option value="log">Logarithmic</option>
          <option value="custom">Custom</option>
        </select>
      </div>
      {mode === 'custom' ? (
        <div className="field">
          <label htmlFor="ct-levels">Levels (comma separated)</label>
          <input id="ct-levels" value={levels} onChange={(e) => setLevels(e.target.value)} placeholder="1, 2.5, 10" />
        </div>
      ) : (
        <div className="field field--inline">
          <label htmlFor="ct-n">Number of levels</label>
          <input id="ct-n" type="number" min={1} max={50} value={n} onChange={(e) => setN(Number(e.target.value))} />
        </div>
      )}
      <div className="field">
        <label htmlFor="ct-other">Contours of</label>
        <select id="ct-other" value={other} onChange={(e) => setOther(e.target.value)}>
          <option value="">This record</option>
          {(field.data ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.file_name}
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="contour-field">
          {field.isLoading ? 'finding records of this field…' : field.data?.length ? `${field.data.length} other records cover this field` : 'no other record covers this field'}
        </span>
      </div>
      <div className="tool-row">
        <button type="submit" className="btn btn--primary btn--small" disabled={busy}>
          Draw contours
        </button>
        <button type="button" className="btn btn--small" onClick={clear}>
          Clear
        </button>
      </div>
      {note && (
        <p className="small" role="status" data-testid="contour-status">
          {note}
        </p>
      )}
    </form>
  );
}
