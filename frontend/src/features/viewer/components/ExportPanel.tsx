import { useState } from 'react';
import { saveBlob } from '@/lib/download';
import { errorMessage } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import type { RenderParams } from '../api/types';
import { exportUrl, fetchExport } from '../api/viewer';

/** Export the image as displayed (the server renders it at the chosen width). */
export function ExportPanel({ recordId, params, baseName, maxWidth }: { recordId: string; params: RenderParams; baseName: string; maxWidth: number }) {
  const [format, setFormat] = useState<'png' | 'jpeg' | 'tiff'>('png');
  const [width, setWidth] = useState(Math.min(2048, maxWidth));
  const [busy, setBusy] = useState(false);
  const run = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const blob = await fetchExport(exportUrl(recordId, format, width, params));
      saveBlob(blob, `${baseName.replace(/\.fits?(\.gz)?$/i, '')}_${params.stretch}_${params.cmap}.${format === 'jpeg' ? 'jpg' : format}`);
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="export" onSubmit={run} aria-label="Export">
      <div className="field field--inline">
        <label htmlFor="v-export-format">Format</label>
        <select id="v-export-format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          <option value="png">PNG</option>
          <option value="jpeg">JPEG</option>
          <option value="tiff">TIFF</option>
        </select>
      </div>
      <div className="field field--inline">
        <label htmlFor="v-export-width">Width (px)</label>
        <input id="v-export-width" type="number" min={16} max={16384} value={width} onChange={(e) => setWidth(Number(e.target.value))} />
      </div>
      <button type="submit" className="btn" disabled={busy || !(width >= 16)}>
        {busy ? 'Exporting…' : 'Export'}
      </button>
    </form>
  );
}
