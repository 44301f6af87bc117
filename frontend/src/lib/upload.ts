/**
 * One file, one request, with progress: fetch has no upload progress, XMLHttpRequest does.
 * A 401 (token expired mid-queue) refreshes the token and sends the file once more.
 */
import { ApiError, apiErrorFrom } from './api/errors';
import { refreshAccessToken, tokenStore } from './api/token';

export interface UploadProgress {
  loaded: number;
  total: number;
}

interface XhrResult {
  status: number;
  body: unknown;
}

function send(
  url: string,
  field: string,
  file: File,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<XhrResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = 'json';
    xhr.withCredentials = true;
    const token = tokenStore.get();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    };
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response as unknown });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload could not reach the server'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append(field, file, file.name);
    xhr.send(form);
  });
}

export async function uploadFile<T>(
  url: string,
  file: File,
  onProgress: (p: UploadProgress) => void,
  opts: { field?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const field = opts.field ?? 'files';
  let res = await send(url, field, file, onProgress, opts.signal);
  if (res.status === 401 && (await refreshAccessToken().catch(() => null))) {
    res = await send(url, field, file, onProgress, opts.signal);
  }
  if (res.status < 200 || res.status >= 300) throw apiErrorFrom(res.status, res.body);
  return res.body as T;
}
