/**
 * Starts the real stack for the end-to-end run: `webbscope up` (database, backend, engine, mast;
 * with the offline archive when the CLI has it) on a free port offset, and the built frontend on
 * the front-door port (served by `webbscope up` itself once it does that; until then by
 * `vite preview`, which proxies /api and /hubs to the backend and sends the production CSP).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(FRONTEND_DIR, '..');
const WEBBSCOPE = process.env.WEBBSCOPE_BIN || join(REPO_DIR, '.venv/bin/webbscope');
const BASE_PORTS = { frontend: 3000, backend: 5001, engine: 8000, mast: 8002, archive: 8003, database: 27017 }; // as devstack/stack.py

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

async function freeOffset(): Promise<number> {
  const start = Number(process.env.E2E_PORT_OFFSET || 0);
  // Random candidates, so that stacks started at the same moment on a shared machine rarely pick
  // the same offset (startStack retries when one does).
  const candidates = start ? [start] : Array.from({ length: 40 }, () => 400 + Math.floor(Math.random() * 600));
  for (const o of candidates) {
    const ok = await Promise.all(Object.values(BASE_PORTS).map((p) => portFree(p + o)));
    if (ok.every(Boolean)) return o;
  }
  throw new Error('no free port offset for the e2e stack');
}

function waitForLine(proc: ChildProcess, needle: string, timeoutMs: number, name: string): Promise<void> {
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${name} not ready after ${timeoutMs} ms:\n${out.slice(-4000)}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes(needle)) {
        clearTimeout(timer);
        res();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
      if (process.env.E2E_VERBOSE) process.stderr.write(b);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${name} exited with ${code} before it was ready:\n${out.slice(-4000)}`));
    });
  });
}

async function httpOk(url: string, want?: (body: string) => boolean): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    if (!res.ok) return false;
    return want ? want(await res.text()) : true;
  } catch {
    return false;
  }
}

async function waitHttp(url: string, timeoutMs: number, want?: (body: string) => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await httpOk(url, want)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function stop(proc: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  return new Promise((res) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return res();
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      res();
    }, 20_000);
    proc.once('exit', () => {
      clearTimeout(t);
      res();
    });
    proc.kill(signal);
  });
}

export interface Stack {
  baseUrl: string;
  backendUrl: string;
  demoDir: string;
  dataDir: string;
  offlineArchive: boolean;
  frontDoorServedByStack: boolean;
  mongodbUri: string;
  stop: () => Promise<void>;
}

export async function startStack(): Promise<Stack> {
  if (!existsSync(WEBBSCOPE)) throw new Error(`${WEBBSCOPE} not found: run \`make bootstrap\` first`);
  if (!existsSync(join(FRONTEND_DIR, 'dist/index.html'))) throw new Error('frontend/dist is missing: run `npm run build` first');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAt(await freeOffset());
    } catch (err) {
      // Another stack took one of the ports between our check and its use: try another offset.
      const taken = /already in use/.test(String(err));
      if (!taken || attempt >= 4 || process.env.E2E_PORT_OFFSET) throw err;
      console.log(`e2e stack: a port was taken meanwhile (attempt ${attempt}); trying another offset`);
    }
  }
}

async function startAt(offset: number): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'webbscope-e2e-'));
  const dataDir = join(root, 'data');
  const demoDir = join(root, 'demo');

  const help = spawnSync(WEBBSCOPE, ['up', '--help'], { encoding: 'utf8' }).stdout ?? '';
  const offlineArchive = help.includes('--offline-archive');
  const args = ['up', '--port-offset', String(offset), '--data-dir', dataDir];
  if (offlineArchive) args.push('--offline-archive');
  const env = { ...process.env, XDG_CONFIG_HOME: join(root, 'xdg-config'), XDG_CACHE_HOME: join(root, 'xdg-cache') };
  const up = spawn(WEBBSCOPE, args, { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let preview: ChildProcess | null = null;
  const cleanup = async () => {
    await stop(preview, 'SIGTERM');
    await stop(up, 'SIGINT');
    if (!process.env.E2E_KEEP_DATA) rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForLine(up, 'ready', 180_000, 'webbscope up');
    const backendUrl = `http://127.0.0.1:${BASE_PORTS.backend + offset}`;
    const frontPort = BASE_PORTS.frontend + offset;
    const baseUrl = `http://127.0.0.1:${frontPort}`;
    const isSpa = (body: string) => body.includes('<div id="root">');
    let frontDoorServedByStack = await httpOk(`${baseUrl}/`, isSpa);
    if (!frontDoorServedByStack) {
      // Until `webbscope up` serves frontend/dist on the front-door port.
      preview = spawn(process.execPath, [join(FRONTEND_DIR, 'node_modules/vite/bin/vite.js'), 'preview', '--port', String(frontPort), '--strictPort'], {
        cwd: FRONTEND_DIR,
        env: { ...process.env, WEBBSCOPE_BACKEND_URL: backendUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await waitHttp(`${baseUrl}/`, 30_000, isSpa);
      frontDoorServedByStack = false;
    }
    const demo = spawnSync(WEBBSCOPE, ['demo-data', '--out', demoDir, '--size', '256'], { cwd: REPO_DIR, encoding: 'utf8', env });
    if (demo.status !== 0) throw new Error(`demo-data failed: ${demo.stderr}`);
    const mongodbUri = process.env.MONGODB_URI || `mongodb://127.0.0.1:${BASE_PORTS.database + offset}`;
    return { baseUrl, backendUrl, demoDir, dataDir, offlineArchive, frontDoorServedByStack, mongodbUri, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * The production front door: the real nginx with deploy/nginx/prod.conf (TLS on a self-signed
 * certificate, HSTS, the production CSP, the WebSocket upgrade) serving frontend/dist and proxying
 * to the stack's backend. Run by tests/support/nginx.py, the same code the nginx tests use.
 */
export async function startTlsFrontDoor(backendUrl: string): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'webbscope-e2e-nginx-'));
  const python = process.env.WEBBSCOPE_PYTHON || join(REPO_DIR, '.venv/bin/python');
  const args = ['-m', 'tests.support.nginx', '--conf', 'prod', '--root', root, '--html', join(FRONTEND_DIR, 'dist'), '--backend', new URL(backendUrl).host];
  const proc = spawn(python, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopIt = async () => {
    await stop(proc, 'SIGTERM');
    rmSync(root, { recursive: true, force: true });
  };
  try {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    await waitForLine(proc, 'ready', 60_000, 'nginx (prod.conf)');
    await new Promise((r) => setTimeout(r, 50));
    const https = out.match(/https=(\d+)/);
    if (!https) throw new Error(`nginx helper did not report its TLS port: ${out}`);
    return { baseUrl: `https://127.0.0.1:${https[1]}`, stop: stopIt };
  } catch (err) {
    await stopIt();
    throw err;
  }
}
