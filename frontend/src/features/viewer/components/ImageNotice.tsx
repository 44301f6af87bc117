import type { ImageInfo } from '../api/types';

/** Below this many screen pixels across, a strip of an image is too thin to be seen. */
const VISIBLE_PX = 3;

/**
 * Why the canvas may look empty, in words: nothing finite to show, or an image so thin that at
 * this zoom it is (almost) invisible. Null when the picture speaks for itself.
 */
export function imageNotice(info: Pick<ImageInfo, 'shape' | 'all_nan'>, zoom: number): string | null {
  const nx = info.shape[info.shape.length - 1] ?? 0;
  const ny = info.shape[info.shape.length - 2] ?? 1;
  if (info.all_nan) {
    return 'Every pixel of this image is NaN (not a number) or infinite, so there is nothing to show. Its headers and metadata are on the record page.';
  }
  const thin = Math.min(nx, ny);
  const across = thin * zoom;
  if (across >= VISIBLE_PX) return null;
  const which = ny <= nx ? 'tall' : 'wide';
  const size = across < 1 ? 'less than one screen pixel' : `about ${Math.round(across)} screen pixels`;
  return `This image is ${nx} × ${ny} pixels, a thin strip: at this zoom it is ${size} ${which}. Zoom in (+, or the wheel) to see it; the readout and export work as usual.`;
}

export function ImageNotice({ info, zoom }: { info: Pick<ImageInfo, 'shape' | 'all_nan'>; zoom: number }) {
  const text = imageNotice(info, zoom);
  return (
    <div className="viewer-notice" role="status">
      {text && <p className="notice notice--info">{text}</p>}
    </div>
  );
}
