import { saveBlob } from '@/lib/download';
import { exportUrl, fetchExport } from '../../api/viewer';
import type { RenderParams } from '../../api/types';
import { drawAnnotations } from '../../layers/annotationLayer';
import { drawRegions } from '../../layers/regionLayer';
import type { Scene } from '../../layers/scene';

/**
 * The view exported as PNG by the engine, with the annotations and regions drawn on it in the
 * browser (the export's pixels are a whole reduction of the image's, north up).
 */
export async function exportAnnotated(id: string, params: RenderParams, size: [number, number], scene: Scene, name: string): Promise<void> {
  const [w, h] = size;
  const width = Math.min(2048, w);
  const blob = await fetchExport(exportUrl(id, 'png', width, params));
  const bitmap = await createImageBitmap(blob);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2-D canvas');
  ctx.drawImage(bitmap, 0, 0);
  const scale = bitmap.width / w;
  const project = (ax: number, ay: number): [number, number] => [(ax + 0.5) * scale, (h - 0.5 - ay) * scale];
  drawRegions(ctx, project, scene.regions, null, null);
  drawAnnotations(ctx, project, scale, { ...scene, annotationDraft: null });
  const out = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!out) throw new Error('the image could not be encoded');
  saveBlob(out, `${name.replace(/\.fits?$/i, '')}_annotated.png`);
}
