/**
 * Tiles by key: at most `concurrency` requests at a time, the most recently requested first,
 * queued requests dropped when no longer wanted, least recently used tiles evicted beyond a
 * byte budget (never ones drawn in the current frame).
 */
export interface Loaded<T> {
  value: T;
  bytes: number;
}

interface Entry<T> {
  state: 'queued' | 'loading' | 'ready' | 'error';
  value?: T;
  bytes: number;
  frame: number;
  failedAt?: number;
  ctrl?: AbortController;
}

export interface TileCacheOptions<T> {
  load: (key: string, signal: AbortSignal) => Promise<Loaded<T>>;
  dispose: (value: T, bytes: number) => void;
  onLoaded: (key: string) => void;
  maxBytes?: number;
  concurrency?: number;
  retryAfterMs?: number;
  now?: () => number;
}

export class TileCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private queue: string[] = [];
  private inflight = 0;
  private frame = 0;
  private bytes = 0;
  private readonly o: Required<TileCacheOptions<T>>;

  constructor(opts: TileCacheOptions<T>) {
    this.o = { maxBytes: 64 * 1024 * 1024, concurrency: 6, retryAfterMs: 4000, now: () => performance.now(), ...opts };
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get pending(): number {
    return this.queue.length + this.inflight;
  }

  beginFrame(): void {
    this.frame++;
  }

  /** The tile if loaded (marks it used this frame). */
  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e || e.state !== 'ready') return undefined;
    e.frame = this.frame;
    return e.value;
  }

  has(key: string): boolean {
    return this.entries.get(key)?.state === 'ready';
  }

  /** Ask for a tile; requests made later in a frame are served after earlier ones. */
  request(key: string): void {
    const e = this.entries.get(key);
    if (e) {
      e.frame = this.frame;
      if (e.state === 'error' && this.o.now() - (e.failedAt ?? 0) > this.o.retryAfterMs) {
        e.state = 'queued';
        this.queue.push(key);
      } else if (e.state === 'queued') {
        // keep the order of this frame's requests
        this.queue.splice(this.queue.indexOf(key), 1);
        this.queue.push(key);
      }
    } else {
      this.entries.set(key, { state: 'queued', bytes: 0, frame: this.frame });
      this.queue.push(key);
    }
  }

  /** Drop queued requests that were not renewed this frame, then start what fits. */
  flush(): void {
    this.queue = this.queue.filter((k) => {
      const e = this.entries.get(k);
      if (e && e.frame !== this.frame && e.state === 'queued') {
        this.entries.delete(k);
        return false;
      }
      return true;
    });
    this.pump();
  }

  private pump(): void {
    while (this.inflight < this.o.concurrency && this.queue.length) {
      const key = this.queue.shift() as string;
      const e = this.entries.get(key);
      if (!e || e.state !== 'queued') continue;
      e.state = 'loading';
      e.ctrl = new AbortController();
      this.inflight++;
      this.o
        .load(key, e.ctrl.signal)
        .then(({ value, bytes }) => {
          if (this.entries.get(key) !== e) {
            this.o.dispose(value, bytes);
            return;
          }
          e.state = 'ready';
          e.value = value;
          e.bytes = bytes;
          this.bytes += bytes;
          this.evict();
          this.o.onLoaded(key);
        })
        .catch(() => {
          if (this.entries.get(key) === e) {
            e.state = 'error';
            e.failedAt = this.o.now();
          }
        })
        .finally(() => {
          e.ctrl = undefined;
          this.inflight--;
          this.pump();
        });
    }
  }

  private evict(): void {
    if (this.bytes <= this.o.maxBytes) return;
    const ready = [...this.entries.entries()].filter(([, e]) => e.state === 'ready' && e.frame < this.frame).sort((a, b) => a[1].frame - b[1].frame);
    for (const [key, e] of ready) {
      if (this.bytes <= this.o.maxBytes) break;
      this.remove(key, e);
    }
  }

  private remove(key: string, e: Entry<T>): void {
    this.entries.delete(key);
    e.ctrl?.abort();
    if (e.state === 'ready' && e.value !== undefined) {
      this.bytes -= e.bytes;
      this.o.dispose(e.value, e.bytes);
    }
  }

  /** Forget every tile whose key starts with a prefix (e.g. another extension or slice). */
  clear(prefix = ''): void {
    for (const [key, e] of [...this.entries.entries()]) if (key.startsWith(prefix)) this.remove(key, e);
    this.queue = this.queue.filter((k) => this.entries.has(k));
  }
}
