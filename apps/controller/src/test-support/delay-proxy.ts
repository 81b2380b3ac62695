/**
 * An HTTP proxy in front of the test API server that holds back what a test picks: the answers
 * of some requests, or the events of some watches. With it a test fixes the order in which a
 * write's answer and that write's watch echo reach the controller (a race in a real cluster).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** The path without the query (`/apis/networking.gke.io/v1/namespaces/kube-system/bgpadvertisedroutes`). */
  path: string;
  watch: boolean;
}

/** How long to hold back a request's answer, or each chunk of a watch's events, in ms. */
export type DelayOf = (req: ProxiedRequest) => number;

export interface DelayProxy {
  /** `http://127.0.0.1:port`. */
  url: string;
  /** Resolves once nothing is held back (every delayed answer and watch chunk was passed on). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startDelayProxy(target: string, delayOf: DelayOf): Promise<DelayProxy> {
  let held = 0;
  let waiters: Array<() => void> = [];
  const release = (): void => {
    if (--held > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const delay = delayOf({ method: req.method ?? 'GET', path: url.pathname, watch });
    const later = (fn: () => void) => {
      const send = () => {
        if (!res.destroyed && !res.writableEnded) fn();
      };
      if (delay > 0) {
        held++;
        setTimeout(() => {
          send();
          release();
        }, delay);
      } else send();
    };
    const upstream = request(url, { method: req.method, headers: req.headers }, (answer) => {
      if (watch) {
        // A stream: every chunk is held back by the same delay, so their order is kept.
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => later(() => res.write(chunk)));
        answer.on('end', () => later(() => res.end()));
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () =>
        later(() => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        }),
      );
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    drained: () => (held === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
