import { useEffect, useState } from 'react';
import { fetchPreview, previewNeedsAuth } from '../api/mast';

/** An observation's preview image (fetched with the token when the backend serves it). */
export function Preview({ url, alt }: { url: string | null; alt: string }) {
  const [src, setSrc] = useState<string | null>(url && !previewNeedsAuth(url) ? url : null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!url || !previewNeedsAuth(url)) return;
    const ctrl = new AbortController();
    let obj: string | null = null;
    fetchPreview(url, ctrl.signal)
      .then((b) => {
        obj = URL.createObjectURL(b);
        setSrc(obj);
      })
      .catch(() => !ctrl.signal.aborted && setFailed(true));
    return () => {
      ctrl.abort();
      if (obj) URL.revokeObjectURL(obj);
    };
  }, [url]);
  return (
    <div className="thumb">
      {src && !failed ? (
        <img src={src} alt={alt} className="thumb__img" loading="lazy" onError={() => setFailed(true)} />
      ) : (
        <span className="thumb__placeholder" aria-hidden="true">
          ✦
        </span>
      )}
    </div>
  );
}
