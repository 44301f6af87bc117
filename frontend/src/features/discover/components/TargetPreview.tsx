import { useEffect, useState } from 'react';
import { fetchPreview } from '../api/discover';

/** An archive preview of the target (fetched with the token, shown through an object URL). */
export function TargetPreview({ url, alt }: { url: string | null | undefined; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    const ctrl = new AbortController();
    let obj: string | null = null;
    fetchPreview(url, ctrl.signal)
      .then((b) => {
        obj = URL.createObjectURL(b);
        setSrc(obj);
      })
      .catch(() => undefined);
    return () => {
      ctrl.abort();
      if (obj) URL.revokeObjectURL(obj);
    };
  }, [url]);
  return (
    <div className="thumb thumb--wide">
      {src ? (
        <img src={src} alt={alt} className="thumb__img" />
      ) : (
        <span className="thumb__placeholder" aria-hidden="true">
          ✦
        </span>
      )}
    </div>
  );
}
