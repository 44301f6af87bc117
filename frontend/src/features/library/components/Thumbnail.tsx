import { useEffect, useRef, useState } from 'react';
import { fetchThumbnail } from '../api/records';

/**
 * The record's JPEG thumbnail. The endpoint needs the access token, so it is fetched (only once
 * scrolled into view) and shown through an object URL. 404 means "not produced yet".
 */
/** `version` is the record's thumbnail_url: null until the thumbnail job has produced one. */
export function Thumbnail({ id, alt, version }: { id: string; alt: string; version: string | null | undefined }) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return;
    }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setVisible(true);
        io.disconnect();
      }
    }, { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  useEffect(() => {
    if (!visible || !version) return;
    const ctrl = new AbortController();
    let url: string | null = null;
    fetchThumbnail(id, ctrl.signal)
      .then((blob) => {
        url = URL.createObjectURL(blob);
        setSrc(url);
      })
      .catch(() => {
        if (!ctrl.signal.aborted) setFailed(true);
      });
    return () => {
      ctrl.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, visible, version]);

  return (
    <div ref={ref} className="thumb">
      {src ? <img src={src} alt={alt} className="thumb__img" decoding="async" /> : <span className="thumb__placeholder" aria-hidden="true">{failed || !version ? '✦' : ''}</span>}
    </div>
  );
}
