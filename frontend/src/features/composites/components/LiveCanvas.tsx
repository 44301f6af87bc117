import { useEffect, useRef, useState } from 'react';
import { fetchBlob } from '@/lib/api/client';
import { createComposite, previewUrl, type Composite, type Recipe } from '../api/composites';
import { CompositeView } from '../engine/CompositeView';
import type { ChannelLook, Finish } from '../engine/transfer';

interface Props {
  composite: Composite;
  draft: Recipe;
  looks: ChannelLook[];
  finish: Finish;
  /** ?renderer=server (or no WebGL2): show the engine's rendering instead. */
  forceServer: boolean;
}

/** The live canvas: channel tiles drawn by the GPU; without WebGL2, the server's RGB preview. */
export function LiveCanvas({ composite, draft, looks, finish, forceServer }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<CompositeView | null>(null);
  const [server, setServer] = useState(forceServer);
  const channels = composite.channels.length;

  useEffect(() => {
    const canvas = canvasRef.current;
    const stage = stageRef.current;
    if (!canvas || !stage) return;
    const view = new CompositeView(canvas, composite, channels, forceServer);
    viewRef.current = view;
    setServer(!view.gl);
    const box = stage.getBoundingClientRect();
    void view.load(Math.max(64, box.width), Math.max(64, box.height)).catch(() => undefined);
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, [composite, channels, forceServer]);

  useEffect(() => {
    viewRef.current?.setLook(looks, finish);
  }, [looks, finish]);

  return (
    <div className="composite-stage" ref={stageRef}>
      <canvas ref={canvasRef} className="composite-canvas" data-testid="composite-canvas" aria-label="Live composite" role="img" hidden={server} />
      {server && <ServerPreview draft={draft} />}
    </div>
  );
}

/** The engine's rendering of the current draft (debounced: each change is a new recipe). */
function ServerPreview({ draft }: { draft: Recipe }) {
  const [src, setSrc] = useState<string | null>(null);
  const key = JSON.stringify(draft);
  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    const t = setTimeout(() => {
      void createComposite(draft)
        .then((c) => fetchBlob(previewUrl(c.id, 1024)))
        .then((blob) => {
          if (cancelled) return;
          url = URL.createObjectURL(blob);
          setSrc(url);
        })
        .catch(() => undefined);
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(t);
      if (url) URL.revokeObjectURL(url);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return src ? <img className="composite-canvas" src={src} alt="Composite rendered by the server" data-testid="composite-server" /> : <p>Rendering…</p>;
}
