import { afterEach, describe, expect, it } from 'vitest';
import { checkNodes } from './node-lifecycle.js';
import { startTestApiServer, type TestApiServer } from './server.js';
import { waitFor } from './test-support/http.js';

type Node = {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
  spec?: { taints?: Array<{ key: string; effect: string }> };
};

describe('node lifecycle controller', () => {
  let server: TestApiServer;
  afterEach(async () => {
    await server.close();
  });

  const node = (name: string, heartbeat?: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', ...(heartbeat ? { lastHeartbeatTime: heartbeat } : {}) },
        { type: 'NetworkUnavailable', status: 'False' },
      ],
    },
  });

  it('marks nodes whose heartbeats stopped Unknown and unreachable, and clears the taints when they are Ready again', async () => {
    server = await startTestApiServer({ nodeLifecycle: { gracePeriodSeconds: 1, periodMs: 50 } });
    const s = server.store;
    const now = new Date().toISOString();
    s.create(node('by-status', now));
    s.create(node('by-lease'));
    s.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'by-lease', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'by-lease', renewTime: now },
    });
    s.create(node('static'));
    const get = (n: string) => s.get('v1', 'Node', n) as unknown as Node;
    const ready = (n: string) => get(n).status?.conditions?.find((c) => c.type === 'Ready');
    await waitFor(
      () => ready('by-status')?.status === 'Unknown' && ready('by-lease')?.status === 'Unknown',
      5000,
      'nodes marked Unknown',
    );
    expect(ready('by-status')?.reason).toBe('NodeStatusUnknown');
    expect(get('by-status').status?.conditions?.map((c) => c.type)).toEqual([
      'Ready',
      'MemoryPressure',
      'DiskPressure',
      'PIDPressure',
      'NetworkUnavailable',
    ]);
    await waitFor(() => (get('by-lease').spec?.taints ?? []).length === 2, 2000, 'taints');
    expect(get('by-lease').spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    expect(ready('static')?.status).toBe('True');
    // The "kubelet" is back: Ready=True with a fresh heartbeat; the taints go.
    const current = s.get('v1', 'Node', 'by-status')!;
    s.updateStatus({ ...current, status: node('by-status', new Date().toISOString()).status });
    await waitFor(() => get('by-status').spec?.taints === undefined, 2000, 'taints removed');
    expect(ready('by-status')?.status).toBe('True');
  });

  it('checks with an explicit clock', async () => {
    server = await startTestApiServer();
    server.store.create(node('n', '2026-01-01T00:00:00Z'));
    expect(checkNodes(server.store, 40, Date.parse('2026-01-01T00:00:30Z'))).toEqual([]);
    expect(checkNodes(server.store, 40, Date.parse('2026-01-01T00:00:41Z'))).toEqual(['n']);
    expect(checkNodes(server.store, 40, Date.parse('2026-01-01T00:00:50Z'))).toEqual([]);
  });
});
