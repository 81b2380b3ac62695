/** An in-memory test API server on loopback with a KubeClient and KubeConfig pointing at it. */
import { startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { KubeClient } from '../client.js';

export interface Api {
  server: TestApiServer;
  kc: KubeConfig;
  client: KubeClient;
  close(): Promise<void>;
}

export const silent = pino({ level: 'silent' });

export async function startApi(options: Parameters<typeof startTestApiServer>[0] = {}): Promise<Api> {
  const server = await startTestApiServer(options);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const client = new KubeClient(kc);
  return {
    server,
    kc,
    client,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

/** Polls `cond` every 5 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Pod (stored only: nothing schedules it) in `default`; `spec.nodeName` is a field selector. */
export function pod(name: string, labels?: Record<string, string>, nodeName = 'n1') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
  };
}
