import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { createAnnotation, deleteAnnotation, listAnnotations } from '../../api/analysis';
import type { AnnotationType } from '../../api/analysisTypes';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';
import { useAnnotationTool } from '../../hooks/useAnnotationTool';
import type { RenderParams } from '../../api/types';
import { rulerLabel } from '../../layers/annotationLayer';
import { exportAnnotated } from './exportAnnotated';

const TYPES: Array<{ id: AnnotationType; label: string }> = [
  { id: 'text', label: 'Text' },
  { id: 'arrow', label: 'Arrow' },
  { id: 'circle', label: 'Circle' },
  { id: 'ruler', label: 'Ruler' },
  { id: 'compass', label: 'Compass' },
];
const COLOURS = ['#ffcf5c', '#ff5cbe', '#7cf29a', '#4fc3f7', '#ffffff'];

/** Annotations: placed with the mouse, saved per record and user, shown on other records of the field. */
interface Props {
  id: string;
  a: AnalysisScene;
  params: RenderParams;
  size: [number, number];
  name: string;
}

export function AnnotatePanel({ id, a, params, size, name }: Props) {
  const qc = useQueryClient();
  const [type, setType] = useState<AnnotationType | null>(null);
  const [text, setText] = useState('');
  const [color, setColor] = useState(COLOURS[0]);
  const [nearby, setNearby] = useState(true);
  const key = ['viewer', id, 'annotations', nearby];
  const list = useQuery({ queryKey: key, queryFn: () => listAnnotations(id, nearby) });
  useEffect(() => {
    a.scene.annotations = list.data?.items ?? [];
    a.redraw();
  }, [list.data, a]);
  useEffect(
    () => () => {
      a.scene.annotationDraft = null;
    },
    [a],
  );
  const create = useMutation({
    mutationFn: (body: Parameters<typeof createAnnotation>[1]) => createAnnotation(id, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['viewer', id, 'annotations'] }),
    onError: (err) => toast.error(errorMessage(err)),
  });
  const remove = useMutation({
    mutationFn: (aid: string) => deleteAnnotation(id, aid),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['viewer', id, 'annotations'] }),
    onError: (err) => toast.error(errorMessage(err)),
  });
  useAnnotationTool({ a, type, text, color, onCreate: (body) => create.mutate(body) });
  const [exporting, setExporting] = useState(false);
  const exportImage = async () => {
    setExporting(true);
    try {
      await exportAnnotated(id, params, size, a.scene, name);
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="analysis__panel">
      <div className="tool-row" role="group" aria-label="Annotation tools">
        {TYPES.map((t) => (
          <button key={t.id} type="button" className="btn btn--small" aria-pressed={type === t.id} onClick={() => setType(type === t.id ? null : t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div className="field">
        <label htmlFor="an-text">Text</label>
        <input id="an-text" value={text} onChange={(e) => setText(e.target.value)} maxLength={500} />
      </div>
      <div className="field field--inline">
        <label htmlFor="an-colour">Colour</label>
        <select id="an-colour" value={color} onChange={(e) => setColor(e.target.value)}>
          {COLOURS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input type="checkbox" checked={nearby} onChange={(e) => setNearby(e.target.checked)} /> Also from other records of this field
      </label>
      <p className="muted small">{type ? 'Click (text, compass) or drag (arrow, ruler, circle) on the image.' : 'Choose a tool, then place it on the image.'}</p>
      <button type="button" className="btn btn--small" onClick={() => void exportImage()} disabled={exporting}>
        Export PNG with annotations
      </button>
      <ul className="region-list" aria-label="Annotations">
        {(list.data?.items ?? []).map((n) => (
          <li key={n.id}>
            <span>
              {n.type}
              {n.text ? `: ${n.text}` : ''}
              {n.type === 'ruler' && n.points[0] && n.points[1] ? ` — ${rulerLabel(n.length_arcsec, Math.hypot(n.points[1][0] - n.points[0][0], n.points[1][1] - n.points[0][1]), a.scene.arcsecPerPixel)}` : ''}
              {n.elsewhere ? ' (from another record)' : ''}
            </span>
            {!n.elsewhere && (
              <button type="button" className="btn btn--small" aria-label={`Delete the ${n.type}`} onClick={() => remove.mutate(n.id)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
