import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** What /readyz answers: 200 when `ready`, else 503; `body` is sent as JSON either way. */
export interface ReadinessReport {
  ready: boolean;
  body: unknown;
}

export interface HealthServerOptions {
  /** `host:port` (`127.0.0.1:8080`, `[::1]:8080`, `:8080` for every address); port 0 picks one. */
  address: string;
  logger: Logger;
  registry: Registry;
  readiness: () => ReadinessReport;
  /** /healthz: 200 while this returns true (default: always, the process answers). */
  liveness?: () => boolean;
}

export interface HealthServer {
  /** The bound `host:port` (the real port when 0 was asked). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Splits `host:port`; a bare `:port` means every address. Throws a readable error otherwise. */
export function parseHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new Error(`invalid address "${address}": expected host:port, e.g. 127.0.0.1:8080`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Serves /healthz, /readyz and /metrics. Logs `Health status HTTP server started at "host:port"`
 * once listening; rejects when the address cannot be bound (e.g. in use).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseHostPort(options.address);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const live = options.liveness ? options.liveness() : true;
      send(live ? 200 : 503, 'text/plain; charset=utf-8', live ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const report = options.readiness();
      send(report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report.body)}\n`);
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: unknown) => send(500, 'text/plain; charset=utf-8', `metrics failed: ${String(err)}\n`),
      );
    } else {
      send(404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n');
    }
  });
  // Keep-alive sockets from a scraper must not hold the process open at shutdown.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new Error(`health server cannot listen on ${options.address}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const address = formatHostPort(host, bound);
  options.logger.info({ address }, `Health status HTTP server started at "${address}"`);
  return {
    address,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
