/**
 * applyWrites' conflict handling, against a scripted client: which 409s are retried on a fresh
 * read (updates, and a Service status whose basis is unchanged), which are left to the next
 * reconcile (counted in `conflicts`), and that retries stop after a bounded number of attempts.
 */

import { ApiError, type KubeClient } from '@bgplb/kube-runtime';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type ApplyResult, applyWrites } from './apply.js';
import type { Write } from './plan.js';
import type { KubeObject } from './types.js';

type Method = 'get' | 'create' | 'replace' | 'mergePatch' | 'delete';
interface Call {
  method: Method;
  path: string;
  body: unknown;
}
/** One scripted answer: a value to return, or an HTTP status to fail with. */
type Answer = { ok: unknown } | { status: number };

const conflict: Answer = { status: 409 };

/** A KubeClient whose answers are scripted per `METHOD path`, in order; it records every call. */
class ScriptedClient {
  readonly calls: Call[] = [];
  constructor(private readonly script: Record<string, Answer[]>) {}
  private answer(method: Method, path: string, body: unknown): Promise<unknown> {
    this.calls.push({ method, path, body });
    const queue = this.script[`${method} ${path}`];
    const next = queue?.shift();
    if (next === undefined) return Promise.reject(new Error(`unexpected ${method} ${path}`));
    if ('status' in next)
      return Promise.reject(
        new ApiError(next.status, next.status === 409 ? 'Conflict' : 'NotFound', 'scripted'),
      );
    return Promise.resolve(structuredClone(next.ok));
  }
  get = (path: string) => this.answer('get', path, undefined);
  create = (path: string, body: unknown) => this.answer('create', path, body);
  replace = (path: string, body: unknown) => this.answer('replace', path, body);
  mergePatch = (path: string, body: unknown) => this.answer('mergePatch', path, body);
  delete = (path: string, body?: unknown) => this.answer('delete', path, body);
  of(method: Method): Call[] {
    return this.calls.filter((c) => c.method === method);
  }
}

const GROUP = 'networking.gke.io';
const VERSION = 'v1';
const SVC = '/api/v1/namespaces/default/services/web';
const SVC_STATUS = `${SVC}/status`;
const NGG_STATUS = '/apis/networking.gke.io/v1/namespaces/cluster-bm/networkgatewaygroups/default/status';
const ROUTES = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpadvertisedroutes';
const ROUTE = `${ROUTES}/default-default-web`;
const SESSION = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions/p-node-01';

function run(
  client: ScriptedClient,
  writes: Write[],
  onSending?: (resource: string, namespace: string, name: string) => () => void,
): Promise<ApplyResult> {
  return applyWrites(writes, {
    client: client as unknown as KubeClient,
    group: GROUP,
    version: VERSION,
    log: pino({ level: 'silent' }),
    ...(onSending === undefined ? {} : { onSending }),
  });
}

const serviceStatus: Write = {
  op: 'service-status',
  namespace: 'default',
  name: 'web',
  resourceVersion: '10',
  vip: '10.0.0.2',
  previous: undefined,
};
const liveService = (rv: string, ip?: string) => ({
  ok: {
    metadata: { name: 'web', namespace: 'default', resourceVersion: rv },
    status: { loadBalancer: ip === undefined ? {} : { ingress: [{ ip }] } },
  },
});

const route = (labels: Record<string, string>, rv?: string): KubeObject => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'BGPAdvertisedRoute',
  metadata: {
    name: 'default-default-web',
    namespace: 'kube-system',
    labels,
    ...(rv === undefined ? {} : { resourceVersion: rv }),
  },
  spec: { prefix: '10.0.0.2/32', metric: 0, nextHops: ['10.0.1.10'] },
});
const OURS = { 'app.kubernetes.io/managed-by': 'bgplb-controller' };

describe('applyWrites: Service status', () => {
  it('409 with the status still as decided: re-reads and retries with the fresh resourceVersion', async () => {
    const client = new ScriptedClient({
      [`mergePatch ${SVC_STATUS}`]: [conflict, { ok: liveService('12', '10.0.0.2').ok }],
      [`get ${SVC}`]: [liveService('11')],
    });
    const r = await run(client, [serviceStatus]);
    expect(r).toMatchObject({ written: 1, conflicts: 0, errors: [] });
    const patches = client.of('mergePatch').map((c) => c.body);
    expect(patches).toEqual([
      {
        metadata: { resourceVersion: '10' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.2', ipMode: 'VIP' }] } },
      },
      {
        metadata: { resourceVersion: '11' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.2', ipMode: 'VIP' }] } },
      },
    ]);
  });

  it('409 after someone else changed the status: no retry, counted as a conflict for the next reconcile', async () => {
    const client = new ScriptedClient({
      [`mergePatch ${SVC_STATUS}`]: [conflict],
      [`get ${SVC}`]: [liveService('11', '10.0.0.9')],
    });
    const r = await run(client, [serviceStatus]);
    expect(r).toMatchObject({ written: 0, conflicts: 1, errors: [] });
    expect(client.of('mergePatch')).toHaveLength(1);
  });

  it('gives up after 5 attempts and reports the error without throwing', async () => {
    const client = new ScriptedClient({
      [`mergePatch ${SVC_STATUS}`]: Array.from({ length: 5 }, () => conflict),
      [`get ${SVC}`]: Array.from({ length: 4 }, (_, i) => liveService(String(11 + i))),
    });
    const r = await run(client, [serviceStatus]);
    expect(client.of('mergePatch')).toHaveLength(5);
    expect(client.of('get')).toHaveLength(4);
    expect(r.written).toBe(0);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.error).toMatchObject({ status: 409 });
  });

  it('a dual-stack Service gets one ingress entry per VIP, in its ipFamilies order', async () => {
    const client = new ScriptedClient({ [`mergePatch ${SVC_STATUS}`]: [{ ok: liveService('12').ok }] });
    const r = await run(client, [{ ...serviceStatus, vip: '2001:db8::2', secondVip: '10.0.0.2' }]);
    expect(r).toMatchObject({ written: 1, errors: [] });
    expect(client.of('mergePatch').map((c) => c.body)).toEqual([
      {
        metadata: { resourceVersion: '10' },
        status: {
          loadBalancer: {
            ingress: [
              { ip: '2001:db8::2', ipMode: 'VIP' },
              { ip: '10.0.0.2', ipMode: 'VIP' },
            ],
          },
        },
      },
    ]);
  });

  it('a Service deleted meanwhile (404) is not an error', async () => {
    const client = new ScriptedClient({ [`mergePatch ${SVC_STATUS}`]: [{ status: 404 }] });
    expect(await run(client, [serviceStatus])).toMatchObject({ written: 0, conflicts: 0, errors: [] });
  });
});

describe('applyWrites: NetworkGatewayGroup status', () => {
  it('409 is never retried: the placement was computed from an older status and must be recomputed', async () => {
    const client = new ScriptedClient({ [`mergePatch ${NGG_STATUS}`]: [conflict] });
    const r = await run(client, [
      {
        op: 'gateway-status',
        namespace: 'cluster-bm',
        name: 'default',
        resourceVersion: '7',
        status: { floatingIPs: { '10.0.1.100': 'node-01' }, nodes: { 'node-01': 'Up' } },
        previous: { floatingIPs: { '10.0.1.100': 'node-02' }, nodes: { 'node-02': 'Down' } },
      },
    ]);
    expect(r).toMatchObject({ written: 0, conflicts: 1, errors: [] });
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]?.body).toEqual({
      metadata: { resourceVersion: '7' },
      status: { floatingIPs: { '10.0.1.100': 'node-01' }, nodes: { 'node-01': 'Up', 'node-02': null } },
    });
  });
});

describe('applyWrites: object updates', () => {
  const desired = route({ ...OURS, 'networking.gke.io/service-name': 'web' }, '3');

  it('409: re-applies the desired spec and labels onto the fresh object and retries', async () => {
    const fresh = {
      ...route({ ...OURS, 'team.example/owner': 'net' }, '4'),
      metadata: {
        ...route({ ...OURS, 'team.example/owner': 'net' }, '4').metadata,
        annotations: { note: 'kept' },
      },
      spec: { prefix: '10.0.0.9/32', metric: 5, nextHops: [] },
    };
    const client = new ScriptedClient({
      [`replace ${ROUTE}`]: [conflict, { ok: fresh }],
      [`get ${ROUTE}`]: [{ ok: fresh }],
    });
    const r = await run(client, [{ op: 'update', resource: 'bgpadvertisedroutes', object: desired }]);
    expect(r).toMatchObject({ written: 1, conflicts: 0, errors: [] });
    const second = client.of('replace')[1]?.body as KubeObject;
    expect(second.metadata.resourceVersion).toBe('4');
    expect(second.metadata.annotations).toEqual({ note: 'kept' });
    expect(second.metadata.labels).toEqual({
      ...OURS,
      'team.example/owner': 'net',
      'networking.gke.io/service-name': 'web',
    });
    expect(second.spec).toEqual(desired.spec);
  });

  it('keeps retrying on a busy object only up to 5 attempts, then reports the error', async () => {
    const client = new ScriptedClient({
      [`replace ${ROUTE}`]: Array.from({ length: 5 }, () => conflict),
      [`get ${ROUTE}`]: Array.from({ length: 4 }, (_, i) => ({ ok: route(OURS, String(4 + i)) })),
    });
    const r = await run(client, [{ op: 'update', resource: 'bgpadvertisedroutes', object: desired }]);
    expect(client.of('replace')).toHaveLength(5);
    expect(r.errors.map((e) => (e.error as ApiError).status)).toEqual([409]);
    expect(r.written).toBe(0);
  });
});

describe('applyWrites: create and delete', () => {
  it('409 AlreadyExists on our own object (created before a crash): adopts it with an update', async () => {
    const existing = route(OURS, '9');
    const client = new ScriptedClient({
      [`create ${ROUTES}`]: [conflict],
      [`get ${ROUTE}`]: [{ ok: existing }],
      [`replace ${ROUTE}`]: [{ ok: route(OURS, '10') }],
    });
    const r = await run(client, [{ op: 'create', resource: 'bgpadvertisedroutes', object: route(OURS) }]);
    expect(r).toMatchObject({ written: 1, conflicts: 0, errors: [], foreign: [] });
    expect(client.of('replace')[0]?.body).toMatchObject({ metadata: { resourceVersion: '9' } });
  });

  it('409 AlreadyExists on an object someone else made: left alone and reported as foreign', async () => {
    const client = new ScriptedClient({
      [`create ${ROUTES}`]: [conflict],
      [`get ${ROUTE}`]: [{ ok: route({ 'app.kubernetes.io/managed-by': 'someone-else' }, '9') }],
    });
    const r = await run(client, [{ op: 'create', resource: 'bgpadvertisedroutes', object: route(OURS) }]);
    expect(r).toMatchObject({ written: 0, errors: [], foreign: ['bgpadvertisedroutes/default-default-web'] });
    expect(client.of('replace')).toEqual([]);
  });

  it('onSending brackets every create and update request, settled whether it succeeded or failed', async () => {
    // Create 409 (ours) -> read -> update 409 -> read -> update: three requests on the wire, each
    // known as in flight while the client is asked and settled before the next one.
    const log: string[] = [];
    let inFlight = 0;
    const client = new ScriptedClient({
      [`create ${ROUTES}`]: [conflict],
      [`get ${ROUTE}`]: [{ ok: route(OURS, '9') }, { ok: route(OURS, '10') }],
      [`replace ${ROUTE}`]: [conflict, { ok: route(OURS, '11') }],
    });
    const answer = client.create;
    client.create = (path, body) => {
      log.push(`create in flight ${inFlight}`);
      return answer(path, body);
    };
    const replace = client.replace;
    client.replace = (path, body) => {
      log.push(`replace in flight ${inFlight}`);
      return replace(path, body);
    };
    const r = await run(
      client,
      [{ op: 'create', resource: 'bgpadvertisedroutes', object: route(OURS) }],
      (res, ns, name) => {
        log.push(`sending ${res} ${ns}/${name}`);
        inFlight++;
        return () => {
          inFlight--;
          log.push('settled');
        };
      },
    );
    expect(r).toMatchObject({ written: 1, errors: [] });
    const sending = 'sending bgpadvertisedroutes kube-system/default-default-web';
    expect(log).toEqual([
      sending,
      'create in flight 1',
      'settled',
      sending,
      'replace in flight 1',
      'settled',
      sending,
      'replace in flight 1',
      'settled',
    ]);
  });

  it('409 on a delete (uid precondition: a new object took the name) is a conflict, not an error', async () => {
    const client = new ScriptedClient({ [`delete ${SESSION}`]: [conflict] });
    const r = await run(client, [
      { op: 'delete', resource: 'bgpsessions', namespace: 'kube-system', name: 'p-node-01', uid: 'old-uid' },
    ]);
    expect(r).toMatchObject({ written: 0, conflicts: 1, errors: [], events: [] });
    expect(client.calls[0]?.body).toEqual({ preconditions: { uid: 'old-uid' } });
  });
});
