/** Pan and zoom: the image point at the viewport's centre and the zoom (screen px per image px). */
export interface View {
  cx: number;
  cy: number;
  zoom: number;
}

export interface Viewport {
  width: number;
  height: number;
}

export const MIN_ZOOM_FACTOR = 0.25; // of the fit zoom
export const MAX_ZOOM = 64;

export function fitView(imageW: number, imageH: number, vp: Viewport, margin = 0.95): View {
  const zoom = Math.min(vp.width / imageW, vp.height / imageH) * margin;
  return { cx: imageW / 2, cy: imageH / 2, zoom: zoom > 0 && Number.isFinite(zoom) ? zoom : 1 };
}

export function screenToImage(v: View, vp: Viewport, sx: number, sy: number): [number, number] {
  return [v.cx + (sx - vp.width / 2) / v.zoom, v.cy + (sy - vp.height / 2) / v.zoom];
}

export function imageToScreen(v: View, vp: Viewport, ix: number, iy: number): [number, number] {
  return [(ix - v.cx) * v.zoom + vp.width / 2, (iy - v.cy) * v.zoom + vp.height / 2];
}

export function clampZoom(zoom: number, minZoom: number, maxZoom = MAX_ZOOM): number {
  return Math.min(maxZoom, Math.max(minZoom, zoom));
}

/** Zoom by `factor` keeping the image point under (sx, sy) fixed on screen. */
export function zoomAt(v: View, vp: Viewport, factor: number, sx: number, sy: number, minZoom: number, maxZoom = MAX_ZOOM): View {
  const zoom = clampZoom(v.zoom * factor, minZoom, maxZoom);
  const [ix, iy] = screenToImage(v, vp, sx, sy);
  return { zoom, cx: ix - (sx - vp.width / 2) / zoom, cy: iy - (sy - vp.height / 2) / zoom };
}

/** Move the image by a screen-space delta. */
export function panBy(v: View, dx: number, dy: number): View {
  return { ...v, cx: v.cx - dx / v.zoom, cy: v.cy - dy / v.zoom };
}

/** Keep at least part of the image in view. */
export function clampCentre(v: View, imageW: number, imageH: number): View {
  return { ...v, cx: Math.min(imageW, Math.max(0, v.cx)), cy: Math.min(imageH, Math.max(0, v.cy)) };
}

/** The visible rectangle in image (display) pixels. */
export function visibleRect(v: View, vp: Viewport): [number, number, number, number] {
  const hw = vp.width / 2 / v.zoom;
  const hh = vp.height / 2 / v.zoom;
  return [v.cx - hw, v.cy - hh, v.cx + hw, v.cy + hh];
}
