/**
 * How fast the test API server is at the scale of the controller's benchmark (10k Services,
 * 500 Nodes): load, a full list over HTTP, and write -> watch event latency.
 * Run: pnpm --filter @bgplb/test-apiserver bench
 */
import { startTestApiServer } from '../src/index.js';

const SERVICES = 10_000;
const NODES = 500;
const CHANGES = 1_000;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const server = await startTestApiServer({ autoCreateNamespaces: true });
const t0 = performance.now();
for (let i = 0; i < NODES; i++) {
  server.store.create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: `10.1.${i >> 8}.${i & 255}` }],
    },
  });
}
for (let i = 0; i < SERVICES; i++) {
  server.store.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}`, labels: { app: `app-${i}` } },
    spec: { type: 'LoadBalancer', selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
  });
}
const loadMs = performance.now() - t0;

// The first list warms up the JIT; the figure is the best of three after it.
let body = '';
let listMs = Number.POSITIVE_INFINITY;
for (let i = 0; i < 4; i++) {
  const listStart = performance.now();
  body = await (await fetch(`${server.url}/api/v1/services`)).text();
  if (i > 0) listMs = Math.min(listMs, performance.now() - listStart);
}
const items = (JSON.parse(body) as { items: unknown[] }).items.length;

// One watch on all Services; patch one Service at a time and time the event's arrival.
const rv = server.store.resourceVersion;
const controller = new AbortController();
const watchRes = await fetch(`${server.url}/api/v1/services?watch=true&resourceVersion=${rv}`, {
  signal: controller.signal,
});
const reader = (watchRes.body as ReadableStream<Uint8Array>).getReader();
const decoder = new TextDecoder();
let buffer = '';
async function nextEvent(): Promise<void> {
  for (;;) {
    const nl = buffer.indexOf('\n');
    if (nl >= 0) {
      buffer = buffer.slice(nl + 1);
      return;
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('watch ended');
    buffer += decoder.decode(value, { stream: true });
  }
}
const latencies: number[] = [];
for (let i = 0; i < CHANGES; i++) {
  const start = performance.now();
  const ns = `ns-${i % 50}`;
  await fetch(`${server.url}/api/v1/namespaces/${ns}/services/svc-${i}/status`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: `10.0.${i >> 8}.${i & 255}` }] } } }),
  });
  await nextEvent();
  latencies.push(performance.now() - start);
}
controller.abort();
latencies.sort((a, b) => a - b);
const rssMb = process.memoryUsage().rss / 1024 / 1024;
await server.close();

console.log(
  JSON.stringify(
    {
      load: { services: SERVICES, nodes: NODES, ms: Math.round(loadMs) },
      listAllServices: { items, bytes: body.length, ms: Math.round(listMs) },
      patchToWatchEvent: {
        changes: CHANGES,
        p50ms: +pct(latencies, 50).toFixed(2),
        p99ms: +pct(latencies, 99).toFixed(2),
      },
      rssMb: Math.round(rssMb),
    },
    null,
    2,
  ),
);
