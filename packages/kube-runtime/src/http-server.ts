/**
 * The health/ready/metrics HTTP server of both apps (`--metrics-addr` of bgplb-controller,
 * `--health-addr` of bgpadvertiser): /healthz, /readyz and /metrics, hardened so that no HTTP
 * load can delay the process's BGP timers or lock the kubelet's probes out:
 * - /metrics is rendered at most once per second, one metric per event-loop turn
 *   (renderMetricsBytesInSlices), and served from that cache (MetricsCache), which holds only the
 *   encoded bytes (not the text as well: 1.8 MB each for the controller's 20k route series);
 * - connections are capped; at the cap the oldest idle or half-sent connection is evicted for a
 *   new one, and only when every slot is answering a request does a new one get 503
 *   (ConnectionGuard);
 * - a short listen backlog (64): the kernel queues at most that many unaccepted connections, so
 *   one event-loop turn accepts (or evicts) tens of sockets, not the hundreds of a connection
 *   storm (about 20 ms of CPU for 500); the rest wait in their clients' SYN retries;
 * - /metrics answers are written at most 16 per event-loop turn (TurnPacer): a turn in which a
 *   hundred requests became readable no longer writes a hundred large answers at once;
 * - short header, request and keep-alive timeouts free slots held by slow or silent clients;
 * - `bgplb_event_loop_delay_seconds` reports the event loop's delay (registerEventLoopDelay).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ConnectionGuard } from './connection-guard.js';
import { type EventLoopDelayMonitor, registerEventLoopDelay } from './event-loop-delay.js';
import { formatListenAddress, type ListenAddress, parseListenAddress } from './listen-address.js';
import { MetricsCache } from './metrics-cache.js';
import { renderMetricsBytesInSlices } from './metrics-render.js';
import { TurnPacer } from './turn-pacer.js';

/** What /readyz answers: 200 when `ready`, else 503; `body` is sent as JSON (else `ok`/`not ready`). */
export interface ReadinessReport {
  ready: boolean;
  body?: unknown;
}

export interface HttpServerLimits {
  /** Open connections at most (default 128); see ConnectionGuard for who is evicted. */
  maxConnections?: number;
  /** A request header must arrive within this (default 5000 ms), else 408 and close. */
  headersTimeoutMs?: number;
  /** A whole request must arrive within this (default 10000 ms). */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 1000 ms). */
  keepAliveTimeoutMs?: number;
  /** /metrics is re-rendered at most this often (default 1000 ms). */
  metricsMaxAgeMs?: number;
  /** Connections the kernel queues before they are accepted (listen backlog, default 64). */
  backlog?: number;
  /** /metrics answers written per event-loop turn at most (default 16). */
  metricsAnswersPerTurn?: number;
}

export const DEFAULT_HTTP_LIMITS: Required<HttpServerLimits> = {
  maxConnections: 128,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 1_000,
  metricsMaxAgeMs: 1_000,
  backlog: 64,
  metricsAnswersPerTurn: 16,
};

export interface HealthServerOptions {
  /** A listening address in the one syntax of parseListenAddress (`8080`, `127.0.0.1:8080`, ...). */
  address: string;
  logger: Logger;
  registry: Registry;
  readiness: () => ReadinessReport;
  /** /healthz: 200 while this returns true (default: always, the process answers). */
  liveness?: () => boolean;
  limits?: HttpServerLimits;
  /** Register `bgplb_event_loop_delay_seconds` in `registry` (default true). */
  eventLoopDelay?: boolean;
}

export interface HealthServer {
  /** The bound `host:port` (the real port when 0 was asked). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const REFUSED =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  'Content-Length: 21\r\n\r\ntoo many connections\n';
const REJECTED_METRIC = 'bgplb_http_connections_rejected_total';

function registerRejections(registry: Registry, guard: ConnectionGuard<Socket>): void {
  if (registry.getSingleMetric(REJECTED_METRIC)) registry.removeSingleMetric(REJECTED_METRIC);
  const counter = new Counter({
    name: REJECTED_METRIC,
    help: 'Connections to the health/metrics server closed at the connection cap: evicted (idle or half-sent) or refused (503)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      counter.reset();
      counter.inc({ reason: 'evicted' }, guard.evicted);
      counter.inc({ reason: 'refused' }, guard.refused);
    },
  });
}

/**
 * Serves /healthz, /readyz and /metrics on `options.address`. Logs
 * `Health status HTTP server started at "host:port"` once listening; rejects with a clear error
 * when the address is invalid or cannot be bound (e.g. in use).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  let listen: ListenAddress;
  try {
    listen = parseListenAddress(options.address);
  } catch (err) {
    throw new Error(`health server: ${(err as Error).message}`);
  }
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  // The /metrics text encoded once per render, not once per answer: in a storm of scrapes every
  // answer re-encoded the same 10-20 KB string (about 15 % of the server's CPU per request).
  const metrics = new MetricsCache<Buffer>({
    render: () => renderMetricsBytesInSlices(options.registry),
    maxAgeMs: limits.metricsMaxAgeMs,
  });
  const guard = new ConnectionGuard<Socket>(limits.maxConnections);
  const pacer = new TurnPacer(limits.metricsAnswersPerTurn);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string | Buffer): void => {
      // A known length spares the chunked encoding (writeHead fixes the headers before end()).
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, TEXT, 'method not allowed\n');
    } else if (path === '/healthz') {
      const live = options.liveness ? options.liveness() : true;
      send(live ? 200 : 503, TEXT, live ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const report = options.readiness();
      const status = report.ready ? 200 : 503;
      if (report.body === undefined) send(status, TEXT, report.ready ? 'ok\n' : 'not ready\n');
      else send(status, 'application/json', `${JSON.stringify(report.body)}\n`);
    } else if (path === '/metrics') {
      metrics.get().then(
        (bytes) =>
          pacer.run(() => {
            // The client may have gone (or been evicted) while its answer waited.
            if (!res.destroyed) send(200, options.registry.contentType, bytes);
          }),
        (err: unknown) => send(500, TEXT, `metrics failed: ${String(err)}\n`),
      );
    } else {
      send(404, TEXT, 'not found: try /healthz, /readyz or /metrics\n');
    }
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let them slip).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      const socket = req.socket;
      guard.requestStarted(socket);
      res.once('close', () => guard.requestFinished(socket));
      handle(req, res);
    },
  );
  server.on('connection', (socket: Socket) => {
    if (!guard.admit(socket)) {
      socket.end(REFUSED);
      // A client that does not read its 503 must not keep the descriptor.
      socket.setTimeout(1_000, () => socket.destroy());
      return;
    }
    socket.once('close', () => guard.closed(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new Error(`health server cannot listen on ${options.address}: ${err.message}`));
    server.once('error', onError);
    server.listen({ port: listen.port, host: listen.host, backlog: limits.backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  registerRejections(options.registry, guard);
  const monitor: EventLoopDelayMonitor | undefined =
    options.eventLoopDelay === false ? undefined : registerEventLoopDelay(options.registry);
  const bound = server.address() as AddressInfo;
  const address = formatListenAddress({ host: bound.address, port: bound.port });
  options.logger.info(
    { address, maxConnections: limits.maxConnections },
    `Health status HTTP server started at "${address}"`,
  );
  return {
    address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        monitor?.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
