/** The BGPConfigRefused writer against the test API server: a conflict is retried, an outage waited out. */
import { crdDirectory } from '@bgplb/api-types';
import { KubeClient } from '@bgplb/kube-runtime';
import { ApiError, type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { ConditionWriter } from './condition-writer.js';
import { exampleCluster } from './test-cluster.js';

describe('ConditionWriter', () => {
  let server: TestApiServer;
  let client: KubeClient;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory], namespaces: ['cluster-bm'] });
    server.store.create(exampleCluster() as KubeObject);
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    client = new KubeClient(kc);
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });
  const condition = () =>
    (
      server.store.get('baremetal.cluster.gke.io/v1', 'Cluster', 'bm', 'cluster-bm')?.status as
        | { conditions?: Array<Record<string, unknown>> }
        | undefined
    )?.conditions?.find((c) => c.type === 'BGPConfigRefused');

  it('writes through a 409 and a 503, keeps the latest verdict, and writes nothing twice', async () => {
    const { log, lines } = captureLogger();
    const w = new ConditionWriter({ client, namespace: 'cluster-bm', name: 'bm', log, backoffMs: 20 });
    const faults = [new ApiError(409, 'Conflict', 'stale'), new ApiError(503, 'ServiceUnavailable', 'away')];
    const remove = server.addFault((r) => (r.subresource === 'status' ? faults.shift() : undefined));
    w.report({ refused: true, generation: 1, message: 'first' });
    w.report({ refused: true, generation: 1, message: 'second' });
    await w.idle();
    remove();
    expect(condition()).toMatchObject({ status: 'True', message: 'second', observedGeneration: 1 });
    expect(faults).toEqual([]);
    expect(lines.some((l) => String(l.msg).startsWith('writing the BGPConfigRefused condition failed'))).toBe(
      true,
    );
    const writes = w.writes;
    w.report({ refused: true, generation: 1, message: 'second' });
    await w.idle();
    expect(w.writes).toBe(writes);
    w.report({ refused: false, generation: 2 });
    await w.idle();
    expect(condition()).toMatchObject({
      status: 'False',
      reason: 'ConfigurationApplied',
      observedGeneration: 2,
    });
  });

  it('a Cluster that does not exist is logged, not retried forever', async () => {
    const { log, lines } = captureLogger();
    const w = new ConditionWriter({ client, namespace: 'cluster-bm', name: 'nope', log });
    w.report({ refused: false, generation: 1 });
    await w.idle();
    expect(lines.some((l) => l.msg === 'Cluster not found; its condition is not written')).toBe(true);
    w.stop();
  });
});
