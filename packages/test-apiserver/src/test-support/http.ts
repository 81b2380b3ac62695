import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../types.js';

/** The fixture CRDs (BGPSession, BGPAdvertisedRoute, Widget) used by this package's tests. */
export const FIXTURE_CRDS = fileURLToPath(new URL('../fixtures/crds.yaml', import.meta.url));

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  body: any;
  headers: Headers;
}

/** A tiny REST client for tests: JSON in, JSON out, no retries. */
export function client(base: string) {
  async function req(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
  return {
    req,
    get: (path: string, headers?: Record<string, string>) => req('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => req('POST', path, body, headers),
    put: (path: string, body: unknown) => req('PUT', path, body),
    patch: (path: string, body: unknown, type = 'application/merge-patch+json') =>
      req('PATCH', path, body, { 'Content-Type': type }),
    del: (path: string, body?: unknown) => req('DELETE', path, body),
  };
}

export interface WatchEvent {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  object: KubeObject & Record<string, any>;
}

export interface WatchHandle {
  status: number;
  next(timeoutMs?: number): Promise<WatchEvent>;
  ended(timeoutMs?: number): Promise<boolean>;
  pending(): number;
  close(): void;
}

/** Opens a watch and queues its events; `next()` waits for the next one (or rejects on timeout). */
export async function openWatch(url: string, headers: Record<string, string> = {}): Promise<WatchHandle> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers });
  const queue: WatchEvent[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== '') queue.push(JSON.parse(line) as WatchEvent);
          nl = buffer.indexOf('\n');
        }
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted
    }
    ended = true;
    for (const w of waiters.splice(0)) w();
  })();
  async function next(timeoutMs = 3000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (ended) throw new Error('watch ended');
      if (Date.now() > deadline) throw new Error('timed out waiting for a watch event');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return queue.shift()!;
  }
  return {
    status: res.status,
    next,
    /** Resolves when the server ends the stream. */
    async ended(timeoutMs = 3000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return ended;
    },
    pending: () => queue.length,
    close: () => controller.abort(),
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
