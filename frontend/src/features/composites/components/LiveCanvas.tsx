import { useEffect, useRef, useState } from 'react';
import { createComposite, type Composite, type Recipe } from '../api/composites';
import { CompositeView, type SharpenLook } from '../engine/CompositeView';
import { TiledFallback } from '../engine/fallback';
import type { ChannelLook, Finish } from '../engine/transfer';

interface Props {
  composite: Composite;
  draft: Recipe;
  looks: ChannelLook[];
  /** The luminance channel's look (LRGB), or null. */
  luminance: ChannelLook | null;
  finish: Finish;
  sharpen: SharpenLook;
  /** ?renderer=server (or no WebGL2): the engine's finished RGB tiles on a 2-D canvas instead. */
  forceServer: boolean;
}

/** The live canvas: channel tiles drawn by the GPU; without WebGL2, the server's RGB tiles. */
export function LiveCanvas({ composite, draft, looks, luminance, finish, sharpen, forceServer }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<CompositeView | null>(null);
  const [server, setServer] = useState(forceServer);
  const channels = composite.channels.length;
  const withLuminance = !!composite.luminance;

  useEffect(() => {
    const canvas = canvasRef.current;
    const stage = stageRef.current;
    if (!canvas || !stage) return;
    const view = new CompositeView(canvas, composite, channels, forceServer, withLuminance);
    viewRef.current = view;
    setServer(!view.gl);
    const box = stage.getBoundingClientRect();
    void view.load(Math.max(64, box.width), Math.max(64, box.height)).catch(() => undefined);
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, [composite, channels, forceServer, withLuminance]);

  useEffect(() => {
    viewRef.current?.setLook(looks, finish, luminance, sharpen);
  }, [looks, finish, luminance, sharpen]);

  return (
    <div className="composite-stage" ref={stageRef}>
      {/* A new element per composite: a WebGL context once lost (the previous view's) cannot be reused. */}
      <canvas key={composite.id} ref={canvasRef} className="composite-canvas" data-testid="composite-canvas" aria-label="Live composite" role="img" hidden={server} />
      {server && <ServerTiles draft={draft} stage={stageRef} />}
    </div>
  );
}

/** The 2-D fallback: the current draft made into a composite (debounced: each look is a new
 *  recipe), its finished RGB tiles drawn on a 2-D canvas at the level that fits. */
function ServerTiles({ draft, stage }: { draft: Recipe; stage: React.RefObject<HTMLDivElement | null> }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'rendering' | 'done' | 'failed'>('rendering');
  const key = JSON.stringify(draft);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const fallback = new TiledFallback(canvas);
    let cancelled = false;
    setState('rendering');
    const t = setTimeout(() => {
      const box = stage.current?.getBoundingClientRect();
      void createComposite(draft)
        .then((c) => fallback.draw(c, Math.max(64, box?.width ?? 800), Math.max(64, box?.height ?? 600)))
        .then(() => !cancelled && setState('done'))
        .catch(() => !cancelled && setState('failed'));
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(t);
      fallback.destroy();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return (
    <>
      <canvas ref={canvasRef} className="composite-canvas" data-testid="composite-server" data-renderer="server-tiles" aria-label="Composite rendered by the server" role="img" />
      {state === 'rendering' && <p className="composite-stage__note">Rendering…</p>}
      {state === 'failed' && <p className="composite-stage__note">The server could not render this look.</p>}
    </>
  );
}
