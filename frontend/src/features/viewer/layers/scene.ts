/**
 * What the analysis overlays draw above the image: a mosaic's input footprints, regions (with
 * the one selected and the one being drawn), catalogue markers, contours and annotations. Panels change the scene and ask
 * the engine to redraw; the engine calls `drawScene` after its own overlay.
 */
import type { Annotation, Catalogue, ContourLine, Region, SavedRegion } from '../api/analysisTypes';
import { drawAnnotations } from './annotationLayer';
import { drawCatalogue } from './catalogueLayer';
import { drawContours } from './contourLayer';
import { drawFootprints, type Footprint } from './footprintLayer';
import { drawRegions } from './regionLayer';

/** Array coordinates (0-based FITS pixels) to screen pixels. */
export type Project = (ax: number, ay: number) => [number, number];

export interface Scene {
  regions: SavedRegion[];
  selectedRegion: string | null;
  draft: Region | null;
  catalogue: Catalogue | null;
  hoveredSource: number | null;
  selectedSource: number | null;
  contours: ContourLine[];
  contourLevels: number[];
  annotations: Annotation[];
  annotationDraft: Pick<Annotation, 'type' | 'points' | 'text' | 'radius' | 'color'> | null;
  /** Arcsec per pixel, for ruler labels and the compass (null without a WCS). */
  arcsecPerPixel: number | null;
  /** Position angle of north (degrees counter-clockwise from +y, array coordinates). */
  northAngle: number;
  /** A mosaic's input footprints, when shown. */
  footprints: Footprint[];
}

export function emptyScene(): Scene {
  return {
    regions: [],
    selectedRegion: null,
    draft: null,
    catalogue: null,
    hoveredSource: null,
    selectedSource: null,
    contours: [],
    contourLevels: [],
    annotations: [],
    annotationDraft: null,
    arcsecPerPixel: null,
    northAngle: 0,
    footprints: [],
  };
}

export function drawScene(ctx: CanvasRenderingContext2D, project: Project, zoom: number, s: Scene): void {
  ctx.save();
  drawFootprints(ctx, project, s.footprints);
  drawContours(ctx, project, s.contours, s.contourLevels);
  drawCatalogue(ctx, project, zoom, s.catalogue, s.hoveredSource, s.selectedSource);
  drawRegions(ctx, project, s.regions, s.selectedRegion, s.draft);
  drawAnnotations(ctx, project, zoom, s);
  ctx.restore();
}
