import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { announce } from '@/lib/announce';
import { errorMessage } from '@/lib/api/errors';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { uploadRecord } from '../api/records';

export type UploadStatus = 'queued' | 'uploading' | 'processing' | 'done' | 'duplicate' | 'error' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  loaded: number;
  status: UploadStatus;
  error?: string;
  recordId?: string;
}

const CONCURRENCY = 2;
const FITS = /\.(fits?|fts)(\.gz)?$/i;

export function isFitsName(name: string): boolean {
  return FITS.test(name);
}

export function isActive(s: UploadStatus): boolean {
  return s === 'queued' || s === 'uploading' || s === 'processing';
}

/**
 * A queue of uploads, one request per file, at most two at a time, each with its progress.
 * The queue lives in a ref (the source of truth, free of render-time side effects) and is
 * mirrored into state for rendering.
 */
export function useUploads() {
  const qc = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const queue = useRef<UploadItem[]>([]);
  const files = useRef(new Map<string, File>());
  const controllers = useRef(new Map<string, AbortController>());
  const seq = useRef(0);

  const publish = useCallback(() => setItems([...queue.current]), []);
  const patch = useCallback(
    (key: string, p: Partial<UploadItem>) => {
      queue.current = queue.current.map((it) => (it.key === key ? { ...it, ...p } : it));
      publish();
    },
    [publish],
  );

  const pump = useCallback(() => {
    const running = queue.current.filter((it) => it.status === 'uploading' || it.status === 'processing').length;
    const next = queue.current.filter((it) => it.status === 'queued').slice(0, Math.max(0, CONCURRENCY - running));
    for (const it of next) {
      const file = files.current.get(it.key);
      if (!file) continue;
      const ctrl = new AbortController();
      controllers.current.set(it.key, ctrl);
      patch(it.key, { status: 'uploading' });
      void (async () => {
        try {
          const res = await uploadRecord(
            file,
            ({ loaded, total }) => patch(it.key, { loaded, status: loaded >= total ? 'processing' : 'uploading' }),
            ctrl.signal,
          );
          const first = res.items[0];
          const duplicate = Boolean(first && !first.created);
          patch(it.key, { loaded: it.size, status: duplicate ? 'duplicate' : 'done', recordId: first?.record.id });
          announce(`${file.name}: ${duplicate ? 'already in the library' : 'added to the library'}`);
          void qc.invalidateQueries({ queryKey: queryKeys.records });
        } catch (err) {
          const cancelled = err instanceof DOMException && err.name === 'AbortError';
          patch(it.key, { status: cancelled ? 'cancelled' : 'error', error: errorMessage(err) });
          // The toast is also said, assertively, through the announcer.
          if (cancelled) announce(`${file.name}: upload cancelled`);
          else toast.error(`${file.name}: upload failed: ${errorMessage(err)}`);
        } finally {
          controllers.current.delete(it.key);
          files.current.delete(it.key);
          pump();
        }
      })();
    }
  }, [patch, qc]);

  const add = useCallback(
    (list: FileList | File[]) => {
      let added = 0;
      for (const file of Array.from(list)) {
        if (!isFitsName(file.name)) {
          toast.error(`${file.name}: not a FITS file (.fits, .fit, .fts, optionally .gz)`);
          continue;
        }
        const key = `u${++seq.current}`;
        files.current.set(key, file);
        queue.current = [...queue.current, { key, name: file.name, size: file.size, loaded: 0, status: 'queued' }];
        added++;
      }
      if (!added) return;
      publish();
      pump();
    },
    [publish, pump],
  );

  const cancel = useCallback(
    (key: string) => {
      const ctrl = controllers.current.get(key);
      if (ctrl) ctrl.abort();
      else {
        files.current.delete(key);
        patch(key, { status: 'cancelled' });
      }
    },
    [patch],
  );

  const clearFinished = useCallback(() => {
    queue.current = queue.current.filter((it) => isActive(it.status));
    publish();
  }, [publish]);

  useEffect(() => {
    const ctrls = controllers.current;
    return () => ctrls.forEach((c) => c.abort());
  }, []);

  return { items, add, cancel, clearFinished };
}
