import { api, fetchArrayBuffer, unwrap, type Schemas } from '@/lib/api/client';

export type Composite = Schemas['CompositeOut'];
export type ChannelInfo = Schemas['ChannelInfo'];
type Body = Schemas['RecipeIn'];
/** Recipes as the app edits them: every field with a default may be left out. */
export type ChannelRecipe = Partial<Schemas['ChannelIn']>;
export type Adjust = Partial<Schemas['AdjustIn']>;
export type OutputOptions = Partial<Schemas['OutputIn']>;
export interface Recipe {
  channels: ChannelRecipe[];
  luminance?: ChannelRecipe | null;
  grid?: Partial<Schemas['GridIn']>;
  adjust?: Adjust;
  output?: OutputOptions;
  name?: string | null;
}
/** The backend has two models named EstimateOut (composites and discover), so the document
 *  names this one by its module. */
export type Estimate = Schemas['webbscope__services__backend__composite_schemas__EstimateOut'];
export type Presets = Schemas['PresetsOut'];
export type RenderOut = Schemas['RenderOut'];
export type RenderFormat = 'png' | 'jpeg' | 'tiff' | 'fits';

const base = (id: string) => `/api/composites/${encodeURIComponent(id)}`;

export const createComposite = (recipe: Recipe) => unwrap(api.POST('/api/composites', { body: recipe as unknown as Body }));
export const estimateComposite = (recipe: Recipe) => unwrap(api.POST('/api/composites/estimate', { body: recipe as unknown as Body }));
export const getComposite = (id: string) => unwrap(api.GET('/api/composites/{composite_id}', { params: { path: { composite_id: id } } }));
export const listComposites = () => unwrap(api.GET('/api/composites'));
export const getPresets = () => unwrap(api.GET('/api/composites/presets'));
export const savePreset = (name: string, preset: Record<string, unknown>) => unwrap(api.PUT('/api/composites/presets', { body: { name, preset } }));
export const renderComposite = (id: string, formats: RenderFormat[], bits: 8 | 16) =>
  unwrap(api.POST('/api/composites/{composite_id}/render', { params: { path: { composite_id: id } }, body: { formats, bits } }));

export const previewUrl = (id: string, width: number, fmt: 'png' | 'jpg' | 'webp' = 'png') => `${base(id)}/preview.${fmt}?width=${Math.round(width)}`;
export const downloadUrl = (id: string, fmt: RenderFormat) => `${base(id)}/download.${fmt}`;

export interface ChannelTile {
  width: number;
  height: number;
  /** The values as float16 words, rows top first. */
  words: Uint16Array;
  /** The coverage alpha (0-1) as float16 words when the composite is feathered, else null. */
  alpha: Uint16Array | null;
}

/** Split a channel tile: the 8-byte header ("WF16", uint16 width, height), the rows, and (with
 *  feathering) a second plane of float16 words, the coverage alpha. */
export function parseChannelTile(buf: ArrayBuffer): ChannelTile {
  const head = new DataView(buf, 0, 8);
  const width = head.getUint16(4, true);
  const height = head.getUint16(6, true);
  const n = width * height;
  const words = new Uint16Array(buf, 8, n);
  const alpha = buf.byteLength >= 8 + 4 * n ? new Uint16Array(buf, 8 + 2 * n, n) : null;
  return { width, height, words, alpha };
}

/** A channel's f16 tile (channel -1: the luminance channel). */
export async function fetchChannelTile(id: string, channel: number, level: number, x: number, y: number, signal?: AbortSignal): Promise<ChannelTile> {
  return parseChannelTile(await fetchArrayBuffer(`${base(id)}/tiles/${channel}/${level}/${x}/${y}.f16`, signal));
}

/** A tile of the finished composite as an RGB PNG (the 2-D fallback without WebGL2). */
export const rgbTileUrl = (id: string, level: number, x: number, y: number) => `${base(id)}/rgb/${level}/${x}/${y}.png`;

export type LibraryRecord = Schemas['RecordOut'];

/** Records by id, or every i2d image of a target. */
export const getRecord = (id: string) => unwrap(api.GET('/api/records/{record_id}', { params: { path: { record_id: id } } }));
export const recordsOfTarget = (target: string) =>
  unwrap(api.GET('/api/records', { params: { query: { target: [target], limit: 200, product_type: ['i2d'] } } }));

export type Job = Schemas['Job'];
export const getJob = (id: string) => unwrap(api.GET('/api/jobs/{job_id}', { params: { path: { job_id: id } } }));
