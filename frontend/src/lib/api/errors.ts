/** Every API error has the shape {"error": {"code", "message", "details"}}; this is its client side. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** True when the route itself does not exist (an endpoint not deployed yet). */
  get isMissingEndpoint(): boolean {
    return this.status === 404 && this.code === 'not_found' && this.message === 'Not Found';
  }
}

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/** Build an ApiError from a parsed body (or nothing) and the HTTP status. */
export function apiErrorFrom(status: number, body: unknown, fallback = ''): ApiError {
  const err = (body as ErrorShape | null)?.error;
  if (err && typeof err.message === 'string') {
    return new ApiError(status, typeof err.code === 'string' ? err.code : 'error', err.message, err.details ?? null);
  }
  if (status === 0) return new ApiError(0, 'network_error', 'The server could not be reached');
  return new ApiError(status, `http_${status}`, fallback || `Request failed (HTTP ${status})`);
}

/** Read an error response's body (JSON or not) into an ApiError. */
export async function apiErrorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  return apiErrorFrom(res.status, body, res.statusText);
}

/** The message to show a person for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof DOMException && err.name === 'AbortError') return 'Cancelled';
  if (err instanceof Error) return err.message;
  return String(err);
}
