/**
 * Issue 21's acceptance case: 2,000 idle, half-sent HTTP connections against a server whose
 * process may open only 1,024 descriptors; /healthz must still answer within 100 ms. The server
 * runs in a child process so that its fd limit is its own. Loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/health-server-child.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill();
});

async function startChild(env: Record<string, string> = {}): Promise<number> {
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n 1024 && exec "$0" "$@"',
      process.execPath,
      '--conditions=@bgplb/source',
      '--import',
      'tsx',
      CHILD,
    ],
    { cwd: PACKAGE_DIR, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`health server child exited ${code}`)));
  });
}

/** Opens `n` connections that each send half a request header and then nothing. */
async function halfOpen(port: number, n: number): Promise<void> {
  const batch = 200;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from(
        { length: Math.min(batch, n - i) },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write('GET /healthz HTTP/1.1\r\nHost: probe\r\n');
              resolve();
            });
            // Evicted or refused connections end in errors; that is what the server should do.
            s.on('error', () => resolve());
            sockets.push(s);
          }),
      ),
    );
  }
}

/** One probe like the kubelet's: a fresh connection, GET /healthz; its time in ms or the failure. */
async function probe(port: number, timeoutMs: number): Promise<number | string> {
  const started = performance.now();
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { connection: 'close' },
    });
    await r.text();
    return r.status === 200 ? performance.now() - started : `status ${r.status}`;
  } catch (err) {
    return String((err as Error).cause ?? err);
  }
}

describe('health server under 2,000 half-open connections (fd limit 1024)', () => {
  it('still answers /healthz within 100 ms', async () => {
    const port = await startChild();
    // The first fetch of a process pays for loading its HTTP client; that is not the server's time.
    expect(typeof (await probe(port, 2_000))).toBe('number');
    await halfOpen(port, 2_000);
    // Let the server accept everything queued before the probes.
    await new Promise((r) => setTimeout(r, 1_000));
    const times: Array<number | string> = [];
    for (let i = 0; i < 5; i++) times.push(await probe(port, 2_000));
    const why = `probe results (ms) ${JSON.stringify(times)}`;
    for (const t of times) expect(typeof t, why).toBe('number');
    // Every probe answered; the median within the 100 ms budget. Each single one gets some slack
    // for a CI machine whose other jobs may hold the CPU for a moment.
    const sorted = (times as number[]).toSorted((a, b) => a - b);
    expect(sorted[2], why).toBeLessThan(100);
    expect(sorted[4], why).toBeLessThan(500);
  });

  it('(control) without the cap, the same load locks the probe out', async () => {
    // The server as it was before the hardening: no cap, Node's default backlog (511).
    const port = await startChild({ MAX_CONNECTIONS: '1000000', BACKLOG: '511' });
    expect(typeof (await probe(port, 2_000))).toBe('number');
    await halfOpen(port, 2_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // Descriptors run out: the kernel's queue is drained by closing connections, probes included.
    expect(typeof (await probe(port, 2_000))).toBe('string');
  });
});
