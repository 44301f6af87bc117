import { apiErrorFromResponse } from './api/errors';
import { authedFetch } from './api/fetch';

/**
 * Save a protected file. The endpoint needs the bearer token, so a plain link cannot be used:
 * the body is streamed (with progress) into a Blob and handed to the browser as a download.
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

export function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 30_000);
}
