import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_HTTP_LIMITS,
  type HealthServer,
  type HealthServerOptions,
  startHealthServer,
} from './http-server.js';
import { createLogger } from './logger.js';

const servers: HealthServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function capture(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger({ destination }) };
}

async function start(
  extra: Partial<HealthServerOptions> = {},
): Promise<{ server: HealthServer; base: string }> {
  const server = await startHealthServer({
    address: '127.0.0.1:0',
    logger: capture().log,
    registry: new Registry(),
    readiness: () => ({ ready: true }),
    ...extra,
  });
  servers.push(server);
  return { server, base: `http://127.0.0.1:${server.port}` };
}

/** A raw TCP connection that sent `text` (e.g. half a request) and then nothing. */
function openRaw(port: number, text = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      if (text) s.write(text);
      resolve(s);
    });
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Resolves once the server on `port` has started `count` requests (its request handler ran). */
function requestsStarted(port: number, count: number): Promise<void> {
  const channel = diagnostics.channel('http.server.request.start');
  return new Promise((resolve) => {
    let seen = 0;
    const onStart = (message: unknown): void => {
      if ((message as { socket: Socket }).socket.localPort !== port || ++seen < count) return;
      channel.unsubscribe(onStart);
      // The message comes just before the server emits 'request': let its handler run first.
      setImmediate(resolve);
    };
    channel.subscribe(onStart);
  });
}

function closed(s: Socket): Promise<string> {
  let data = '';
  s.on('data', (d: Buffer) => {
    data += d.toString();
  });
  return new Promise((resolve) => s.once('close', () => resolve(data)));
}

describe('startHealthServer', () => {
  it('serves /healthz, /readyz and /metrics and logs its address', async () => {
    const { log, lines } = capture();
    const registry = new Registry();
    const gauge = new Gauge({ name: 'test_value', help: 'a value', registers: [registry] });
    gauge.set(7);
    let ready = false;
    const { server, base } = await start({
      logger: log,
      registry,
      readiness: () => ({ ready, body: { ready, peers: ['10.0.1.254'] } }),
    });
    expect(lines.at(-1)?.msg).toBe(`Health status HTTP server started at "127.0.0.1:${server.port}"`);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, peers: ['10.0.1.254'] });
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toBe(registry.contentType);
    const text = await metrics.text();
    expect(text).toContain('test_value 7');
    expect(text).toMatch(/^bgplb_event_loop_delay_seconds\{quantile="0.99"\} /m);
    expect(text).toContain('bgplb_http_connections_rejected_total{reason="evicted"} 0');

    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers /readyz in text without a body, and 503 on /healthz when liveness fails', async () => {
    let ready = false;
    const { base } = await start({ readiness: () => ({ ready }), liveness: () => false });
    const r = await fetch(`${base}/readyz`);
    expect([r.status, await r.text()]).toEqual([503, 'not ready\n']);
    ready = true;
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ok\n');
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
  });

  it('renders /metrics once for a burst of scrapers and serves the cache', async () => {
    const registry = new Registry();
    let collects = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    new Gauge({
      name: 'test_collects',
      help: 'times collected',
      registers: [registry],
      async collect() {
        collects++;
        // The render lasts until every request of the burst has arrived. With a fixed 20 ms
        // render, a loaded machine could take longer than the render plus the max age (1 s) to
        // deliver 100 connections, and the late ones re-rendered: 2 collects without any bug.
        await gate;
        this.set(collects);
      },
    });
    // A backlog for all 100 at once: past it, a client's SYN is retried after a second. A long max
    // age: the cache must serve the request after the burst however long the burst took.
    const { server, base } = await start({
      registry,
      limits: { maxConnections: 500, backlog: 511, metricsMaxAgeMs: 600_000 },
    });
    const arrived = requestsStarted(server.port, 100);
    const answers = Promise.all(
      Array.from({ length: 100 }, () => fetch(`${base}/metrics`).then((r) => r.text())),
    );
    await arrived;
    release();
    const texts = await answers;
    expect(collects).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('test_collects 1');
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('test_collects 1');
    expect(collects).toBe(1);
  });

  it('renders /metrics again once the cached text is older than a second (the default)', async () => {
    const registry = new Registry();
    let collects = 0;
    new Gauge({
      name: 'test_collects',
      help: 'times collected',
      registers: [registry],
      collect() {
        this.set(++collects);
      },
    });
    const { base } = await start({ registry });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('test_collects 1');
    // At least the max age (a loaded machine only makes it longer, which changes nothing).
    await new Promise((r) => setTimeout(r, DEFAULT_HTTP_LIMITS.metricsMaxAgeMs + 50));
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('test_collects 2');
  });

  it('serves the cached /metrics as bytes: non-ASCII help text intact, Content-Length in bytes, HEAD without body', async () => {
    const registry = new Registry();
    new Gauge({ name: 'test_delay', help: 'délai — en µs', registers: [registry] }).set(3);
    const { base } = await start({ registry });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}/metrics`);
      const text = await r.text();
      expect(text).toContain('# HELP test_delay délai — en µs\n');
      expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    }
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  // `ss` shows a listening socket's backlog as its Send-Q; skipped where ss is missing.
  const hasSs = (() => {
    try {
      execFileSync('ss', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasSs)(
    'listens with a short backlog (64 by default), so a storm is accepted in small batches',
    async () => {
      const backlogOf = (port: number): number => {
        const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
        return Number(line.split(/\s+/)[2]);
      };
      const { server } = await start();
      expect(backlogOf(server.port)).toBe(64);
      const { server: other } = await start({ limits: { backlog: 8 } });
      expect(backlogOf(other.port)).toBe(8);
    },
  );

  it('at the cap, evicts the oldest half-sent connection for a new probe', async () => {
    // Header timeouts far beyond the test: on a loaded machine the first connection must be
    // closed by the eviction, never by its header timeout (that would leave nothing to evict).
    const { server, base } = await start({
      limits: { maxConnections: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 120_000 },
    });
    const first = await openRaw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const firstClosed = closed(first);
    await openRaw(server.port, 'GET /');
    await openRaw(server.port);
    // No wait for the server to accept them: it accepts connections in the order they completed,
    // so these three are admitted before the probe's however late it runs.
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    await firstClosed;
    expect(first.destroyed).toBe(true);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/bgplb_http_connections_rejected_total\{reason="evicted"\} [1-9]/);
  });

  it('answers 503 when every slot is answering a request', async () => {
    const registry = new Registry();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    new Gauge({
      name: 'test_slow',
      help: 'a slow collect',
      registers: [registry],
      async collect() {
        await gate;
      },
    });
    const { server, base } = await start({ registry, limits: { maxConnections: 2 } });
    // Both slots must be answering before the third connection arrives; were one still waiting
    // for its request (a loaded machine can take longer than any fixed sleep), the third would
    // evict it instead, as it should. The server publishes each request it starts on Node's
    // diagnostics channel, just before its request handler runs (which marks the slot busy).
    const answering = requestsStarted(server.port, 2);
    const pending = [fetch(`${base}/metrics`), fetch(`${base}/metrics`)];
    await answering;
    const refused = closed(await openRaw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(await refused).toMatch(/^HTTP\/1.1 503 Service Unavailable\r\n[\s\S]*too many connections\n$/);
    release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('closes a connection whose request header does not arrive in time', async () => {
    const { server } = await start({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const started = performance.now();
    const answer = await closed(await openRaw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    const took = performance.now() - started;
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3_000);
  });

  it('refuses an invalid address and an address in use, clearly', async () => {
    await expect(start({ address: '127.0.0.1' })).rejects.toThrow(
      'health server: invalid address "127.0.0.1": port "127.0.0.1" is not a number',
    );
    const { server } = await start();
    await expect(start({ address: server.address })).rejects.toThrow(
      `health server cannot listen on ${server.address}: listen EADDRINUSE`,
    );
  });

  it('listens on every address for a bare port', async () => {
    const { server } = await start({ address: '0' });
    expect(server.address).toMatch(/^(\[::\]|0\.0\.0\.0):\d+$/);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });
});
