import { apiErrorFromResponse } from './api/errors';
import { authedFetch } from './api/fetch';

/**
 * Save a protected file that has no signed link (small products such as composite renders). The
 * endpoint needs the bearer token, so the body is streamed (with progress) into a Blob, in the
 * tab's memory, and handed to the browser as a download. Record files use `saveUrl` with a signed
 * link instead.
 */
export async function authedDownload(
  url: string,
  fileName: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<void> {
  const res = await authedFetch(url);
  if (!res.ok) throw await apiErrorFromResponse(res);
  const total = Number(res.headers.get('Content-Length') ?? 0);
  let blob: Blob;
  if (res.body && onProgress) {
    const reader = res.body.getReader();
    const chunks: BlobPart[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value as BlobPart);
      loaded += value.byteLength;
      onProgress(loaded, total);
    }
    blob = new Blob(chunks, { type: res.headers.get('Content-Type') ?? 'application/octet-stream' });
  } else {
    blob = await res.blob();
  }
  saveBlob(blob, fileName);
}

/**
 * Save a file by following a URL that needs no token (a short-lived signed link): the browser
 * streams it straight to disk, so even a file of many gigabytes never enters the tab's memory.
 */
export function saveUrl(url: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  saveUrl(href, fileName);
  setTimeout(() => URL.revokeObjectURL(href), 30_000);
}
