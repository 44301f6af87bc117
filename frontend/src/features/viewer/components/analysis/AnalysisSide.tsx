import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Tabs } from '@/components/Tabs';
import type { ImageInfo, RenderParams } from '../../api/types';
import type { AnalysisScene } from '../../hooks/useAnalysisScene';
import { getCatalogue, latestDetectionCatalogue } from '../../api/analysis';
import { useRegions } from '../../hooks/useRegions';
import { useRegionTool, type RegionMode } from '../../hooks/useRegionTool';
import { AnnotatePanel } from './AnnotatePanel';
import { ContoursPanel } from './ContoursPanel';
import { DetectPanel } from './DetectPanel';
import { RegionsPanel } from './RegionsPanel';
import { CubeSpectrumPanel } from './CubeSpectrumPanel';

interface Props {
  id: string;
  info: ImageInfo;
  ext: string;
  slice: number;
  zoom: number;
  pinned: [number, number] | null;
  a: AnalysisScene;
  params: RenderParams;
  name: string;
}

/** The analysis tools beside the image: regions, sources, contours, notes and (cubes) spectra. */
export function AnalysisSide({ id, info, ext, slice, zoom, pinned, a, params, name }: Props) {
  const isCube = (info.cube?.size ?? 1) > 1;
  const tabs = [
    { id: 'regions', label: 'Regions' },
    { id: 'sources', label: 'Sources' },
    { id: 'contours', label: 'Contours' },
    { id: 'notes', label: 'Notes' },
    ...(isCube ? [{ id: 'spectrum', label: 'Spectrum' }] : []),
  ];
  const [tab, setTab] = useState('regions');
  const [mode, setMode] = useState<RegionMode>('select');
  const [selected, setSelected] = useState<string | null>(null);
  const [source, setSource] = useState<number | null>(null);
  const select = (rid: string | null) => {
    a.scene.selectedRegion = rid;
    setSelected(rid);
    a.redraw();
  };
  const pickSource = (i: number | null) => {
    a.scene.selectedSource = i;
    setSource(i);
    a.redraw();
  };
  // The detection catalogue on the image: the newest one of this record until the user runs
  // another detection (then that one), whichever tab is open.
  const [chosen, setChosen] = useState<string | null | undefined>(undefined);
  const latest = useQuery({ queryKey: ['viewer', id, 'latest-catalogue'], queryFn: () => latestDetectionCatalogue(id), enabled: chosen === undefined });
  const catalogueId = chosen === undefined ? (latest.data ?? null) : chosen;
  const catalogue = useQuery({ queryKey: ['viewer', catalogueId, 'catalogue'], queryFn: () => getCatalogue(catalogueId!), enabled: catalogueId !== null, staleTime: Infinity });
  useEffect(() => {
    a.scene.catalogue = catalogue.data ?? null;
    a.redraw();
  }, [catalogue.data, a]);
  const regions = useRegions(id, a, select);
  useRegionTool({
    a,
    mode,
    zoom,
    onCreate: (r) => {
      setMode('select');
      regions.create.mutate(r);
    },
    onChange: (rid, region) => regions.update.mutate({ rid, region }),
    onDelete: (rid) => regions.remove.mutate(rid),
    onSelect: select,
    onSource: pickSource,
  });
  const selectedRegion = regions.list.data?.items.find((r) => r.id === selected)?.region ?? null;

  return (
    <section className="analysis" aria-label="Analysis">
      <Tabs tabs={tabs} active={tab} onChange={setTab} label="Analysis tools">
        {tab === 'regions' && <RegionsPanel id={id} ext={ext} slice={slice} mode={mode} onMode={setMode} regions={regions} selected={selected} onSelect={select} a={a} />}
        {tab === 'sources' && <DetectPanel id={id} ext={ext} slice={slice} region={selectedRegion} a={a} selected={source} onSelect={pickSource} catalogueId={catalogueId} onCatalogue={setChosen} catalogue={catalogue} />}
        {tab === 'contours' && <ContoursPanel id={id} ext={ext} slice={slice} a={a} size={[info.shape.at(-1) ?? 1, info.shape.at(-2) ?? 1]} />}
        {tab === 'notes' && <AnnotatePanel id={id} a={a} params={params} size={[info.shape.at(-1) ?? 1, info.shape.at(-2) ?? 1]} name={name} />}
        {tab === 'spectrum' && isCube && <CubeSpectrumPanel id={id} ext={ext} pinned={pinned} region={selectedRegion} />}
      </Tabs>
    </section>
  );
}
