import { backoffDelay, HubClient, type HubMessage } from './hub';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(JSON.parse(s));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(m: unknown) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('HubClient', () => {
  beforeEach(() => {
    FakeSocket.all = [];
  });

  it('authenticates, subscribes, answers pings and passes messages on', async () => {
    const got: HubMessage[] = [];
    const hub = new HubClient({ url: 'ws://x/hubs/jobs', getToken: async () => 'tok', onMessage: (m) => got.push(m), createSocket: (u) => new FakeSocket(u) as unknown as WebSocket });
    hub.subscribe('all', { type: 'subscribe' });
    hub.start();
    await flush();
    const s = FakeSocket.all[0];
    s.open();
    expect(s.sent).toEqual([{ type: 'auth', token: 'tok' }, { type: 'subscribe' }]);
    s.receive({ type: 'ping' });
    expect(s.sent.at(-1)).toEqual({ type: 'pong' });
    s.receive({ type: 'job', job: { id: 'j1' } });
    expect(got).toEqual([{ type: 'job', job: { id: 'j1' } }]);
    hub.stop();
  });

  it('reconnects with backoff, with a fresh token, and re-subscribes', async () => {
    vi.useFakeTimers();
    let n = 0;
    const hub = new HubClient({
      url: 'ws://x',
      getToken: async () => `tok${++n}`,
      onMessage: () => undefined,
      createSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      random: () => 1,
    });
    hub.subscribe('all', { type: 'subscribe' });
    hub.subscribe('job:7', { type: 'subscribe', job_id: '7' });
    hub.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSocket.all[0].open();
    FakeSocket.all[0].drop();
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].open();
    expect(FakeSocket.all[1].sent).toEqual([{ type: 'auth', token: 'tok2' }, { type: 'subscribe' }, { type: 'subscribe', job_id: '7' }]);
    hub.stop();
    vi.useRealTimers();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(0, 500, 15000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 15000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 15000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 500, 15000, () => 1)).toBe(15000);
  });
});
