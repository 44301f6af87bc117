import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { getContours } from '../../api/analysis';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';

interface Props {
  id: string;
  ext: string;
  slice: number;
  a: AnalysisScene;
}

/** Contours computed on the server (marching squares) of this record or another one aligned by WCS. */
export function ContoursPanel({ id, ext, slice, a }: Props) {
  const [mode, setMode] = useState<'linear' | 'log' | 'custom'>('linear');
  const [n, setN] = useState(8);
  const [levels, setLevels] = useState('');
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);

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
      setNote(`${found.levels.length} levels, ${found.lines.length} lines${found.truncated ? ' (the shortest were dropped)' : ''}`);
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
        <label htmlFor="ct-other">Of another record (id, optional)</label>
        <input id="ct-other" value={other} onChange={(e) => setOther(e.target.value)} placeholder="this record" />
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
