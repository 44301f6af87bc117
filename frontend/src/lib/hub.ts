/**
 * A WebSocket to a backend hub (`/hubs/<name>`): authenticate with the access token, subscribe,
 * answer pings, and reconnect with exponential backoff (re-authenticating with a fresh token and
 * re-sending every subscription: the server then re-sends the current state).
 */
export interface HubMessage {
  type: string;
  [key: string]: unknown;
}

export type HubStatus = 'idle' | 'connecting' | 'open' | 'closed';

export interface HubOptions {
  url: string;
  /** A valid access token (refresh first if needed), or null to stop. */
  getToken: () => Promise<string | null>;
  onMessage: (msg: HubMessage) => void;
  onStatus?: (status: HubStatus) => void;
  /** Injected for tests. */
  createSocket?: (url: string) => WebSocket;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const exp = Math.min(max, base * 2 ** attempt);
  return Math.round(exp / 2 + (random() * exp) / 2); // "equal jitter"
}

export function hubUrl(path: string, loc: Location = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

export class HubClient {
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Map<string, HubMessage>();
  private attempt = 0;
  private everOpened = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private readonly opts: Required<Omit<HubOptions, 'onStatus' | 'createSocket'>> &
    Pick<HubOptions, 'onStatus' | 'createSocket'>;

  constructor(opts: HubOptions) {
    this.opts = { baseDelayMs: 500, maxDelayMs: 15_000, random: Math.random, ...opts };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s && s.readyState <= 1) s.close(1000, 'bye');
    this.opts.onStatus?.('closed');
  }

  /** Subscribe (kept across reconnects). The key identifies the subscription. */
  subscribe(key: string, message: HubMessage): void {
    this.subscriptions.set(key, message);
    this.sendIfOpen(message);
  }

  /** Forget a subscription (not re-sent on reconnect; the protocol has no unsubscribe message). */
  unsubscribe(key: string): void {
    this.subscriptions.delete(key);
  }

  private sendIfOpen(msg: HubMessage): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(msg));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.opts.onStatus?.('connecting');
    let token: string | null = null;
    try {
      token = await this.opts.getToken();
    } catch {
      token = null;
    }
    if (this.stopped) return;
    if (!token) {
      this.scheduleReconnect();
      return;
    }
    const socket = this.opts.createSocket ? this.opts.createSocket(this.opts.url) : new WebSocket(this.opts.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token }));
      for (const sub of this.subscriptions.values()) socket.send(JSON.stringify(sub));
      this.attempt = 0;
      this.everOpened = true;
      this.opts.onStatus?.('open');
    };
    socket.onmessage = (ev: MessageEvent) => {
      let msg: HubMessage;
      try {
        msg = JSON.parse(String(ev.data)) as HubMessage;
      } catch {
        return;
      }
      if (msg.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
        return;
      }
      this.opts.onMessage(msg);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.opts.onStatus?.('closed');
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      /* onclose follows */
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    // A hub that has never answered (not deployed yet) is retried only once a minute.
    const max = !this.everOpened && this.attempt >= 4 ? Math.max(this.opts.maxDelayMs, 60_000) : this.opts.maxDelayMs;
    const delay = backoffDelay(this.attempt++, this.opts.baseDelayMs, max, this.opts.random);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
