/**
 * The builder's state: the recipe draft, and the composite its geometry was last created as
 * (whose channel tiles the live canvas shows). Changing how channels look changes only the
 * draft (the canvas redraws with no request); changing inputs, the grid or the output geometry
 * creates the composite again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { createComposite, getComposite, type ChannelRecipe, type Composite, type Recipe } from '../api/composites';
import { ApiError } from '@/lib/api/errors';
import { wavelengthHues } from '../engine/transfer';

export type Draft = Recipe;

/** The part of a recipe that decides the channel tiles (inputs, cube slices, grid, output
 *  geometry, and the feathering and resolution matching the engine applies in the tiles). */
export function geometryKey(d: Draft): string {
  return JSON.stringify({
    c: d.channels.map((c) => [c.record_ids ?? [c.record_id], c.ext, c.slice]),
    l: d.luminance ? [d.luminance.record_ids ?? [d.luminance.record_id], d.luminance.ext, d.luminance.slice] : null,
    g: d.grid,
    o: d.output,
    m: d.adjust?.method,
    f: d.adjust?.feather_px ?? 0,
    r: d.adjust?.match_resolution ?? false,
  });
}

/** The draft with the first plane chosen for the channels of a cube the engine asked a slice
 *  for (its `slice_required` answer names the record), or null when the error is another. */
export function withCubeSlice(d: Draft, err: unknown): Draft | null {
  if (!(err instanceof ApiError) || err.code !== 'slice_required') return null;
  const rid = (err.details as { record_id?: string } | null)?.record_id;
  if (!rid) return null;
  const uses = (c: ChannelRecipe) => (c.record_ids ?? [c.record_id]).includes(rid) && c.slice == null;
  if (!d.channels.some(uses) && !(d.luminance && uses(d.luminance))) return null;
  return {
    ...d,
    channels: d.channels.map((c) => (uses(c) ? { ...c, slice: 0 } : c)),
    luminance: d.luminance && uses(d.luminance) ? { ...d.luminance, slice: 0 } : d.luminance,
  };
}

/** The draft a stored canonical recipe describes. */
export function draftOf(recipe: Record<string, unknown>): Draft {
  const { version: _v, software: _s, inputs: _i, ...rest } = recipe;
  return rest as unknown as Draft;
}

/** Channels sorted by pivot wavelength with hues from blue to red (the "wavelength order" preset). */
export function inWavelengthOrder(draft: Draft, composite: Composite): Draft {
  const order = draft.channels.map((c, i) => ({ c, w: composite.channels[i]?.pivot_um ?? Number.POSITIVE_INFINITY })).sort((a, b) => a.w - b.w);
  const hues = wavelengthHues(order.length);
  return { ...draft, channels: order.map(({ c }, i): ChannelRecipe => ({ ...c, color: hues[i] })) };
}

export function useBuilder(initial: { id?: string; draft?: Draft }) {
  const [draft, setDraft] = useState<Draft | null>(initial.draft ?? null);
  const [composite, setComposite] = useState<Composite | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const built = useRef('');

  const build = useCallback(async (start: Draft, reorder = false) => {
    let d = start;
    setBusy(true);
    setError(null);
    try {
      // A cube without a slice: start at its first plane (the channel's slice picker moves it).
      let made: Composite | null = null;
      for (let i = 0; !made; i++) {
        try {
          made = await createComposite(d);
        } catch (err) {
          const fixed = i < 9 ? withCubeSlice(d, err) : null;
          if (!fixed) throw err;
          d = fixed;
        }
      }
      let next = d;
      if (reorder) {
        next = inWavelengthOrder(d, made);
        made = await createComposite(next);
      }
      built.current = geometryKey(next);
      setDraft(next);
      setComposite(made);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (initial.id) {
      getComposite(initial.id)
        .then((c) => {
          const d = draftOf(c.recipe);
          built.current = geometryKey(d);
          setDraft(d);
          setComposite(c);
        })
        .catch(setError);
    } else if (initial.draft) {
      void build(initial.draft, true);
    }
  }, [initial.id, initial.draft, build]);

  /** A new draft: looks apply at once; geometry changes create the composite again. */
  const update = useCallback(
    (d: Draft) => {
      setDraft(d);
      if (geometryKey(d) !== built.current) void build(d);
    },
    [build],
  );

  return { draft, composite, error, busy, update, setDraft, build };
}
