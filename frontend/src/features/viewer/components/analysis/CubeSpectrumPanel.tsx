import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { getCubeSpectrum, getRegionSpectrum } from '../../api/analysis';
import type { Region } from '../../api/analysisTypes';
import { SpectrumPlot } from '../spectrum/SpectrumPlot';

interface Props {
  id: string;
  ext: string;
  pinned: [number, number] | null;
  region: Region | null;
}

/** A cube's spectrum: at the clicked spaxel, or summed / averaged over the selected region. */
export function CubeSpectrumPanel({ id, ext, pinned, region }: Props) {
  const [source, setSource] = useState<'pixel' | 'region'>('pixel');
  const [how, setHow] = useState<'sum' | 'mean'>('mean');
  const useRegion = source === 'region' && region !== null;
  const spec = useQuery({
    queryKey: ['viewer', id, 'cube-spectrum', ext, useRegion ? JSON.stringify(region) : pinned, how],
    queryFn: () => (useRegion ? getRegionSpectrum(id, region!, how, ext) : getCubeSpectrum(id, pinned![0], pinned![1], ext)),
    enabled: useRegion || pinned !== null,
    retry: false,
  });
  return (
    <div className="analysis__panel">
      <div className="tool-row" role="radiogroup" aria-label="Spectrum of">
        <label className="check">
          <input type="radio" name="spec-src" checked={source === 'pixel'} onChange={() => setSource('pixel')} /> the clicked pixel
        </label>
        <label className="check">
          <input type="radio" name="spec-src" checked={source === 'region'} disabled={!region} onChange={() => setSource('region')} /> the selected region
        </label>
        {source === 'region' && (
          <select aria-label="Combine the region's spaxels" value={how} onChange={(e) => setHow(e.target.value as 'sum' | 'mean')}>
            <option value="mean">mean</option>
            <option value="sum">sum</option>
          </select>
        )}
      </div>
      {!useRegion && !pinned && <p className="muted small">Click a pixel of the cube to plot its spectrum.</p>}
      {spec.isError && <ErrorNotice error={spec.error} />}
      {spec.data && (
        <SpectrumPlot
          spectrum={spec.data}
          title={useRegion ? `Region ${how}` : `Spaxel (${pinned?.[0]}, ${pinned?.[1]})`}
        />
      )}
    </div>
  );
}
