import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { client, FIXTURE_CRDS } from './test-support/http.js';

/** Whatever a client sends, the server answers with a Kubernetes Status (never a 500) and stays up. */
describe('robustness against arbitrary requests', () => {
  let server: TestApiServer;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [FIXTURE_CRDS], defaultWatchTimeoutSeconds: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  const segment = fc.oneof(
    fc.constantFrom(
      'api',
      'apis',
      'v1',
      'v2',
      'namespaces',
      'kube-system',
      'default',
      'nodes',
      'services',
      'status',
      'watch',
    ),
    fc.constantFrom(
      'networking.gke.io',
      'bgpsessions',
      'widgets',
      'example.test',
      'v1beta1',
      'events',
      'leases',
      'finalize',
    ),
    fc.constantFrom('%E0%A4%A', '%2F', '..', 'x y', 'A'),
    fc.stringMatching(/^[a-z0-9.-]{1,12}$/),
  );
  const query = fc.constantFrom(
    '',
    '?watch=true&timeoutSeconds=0',
    '?labelSelector=a%20in%20(',
    '?fieldSelector=x',
    '?limit=abc',
    '?resourceVersion=-1&watch=1&timeoutSeconds=0',
    '?continue=%%%',
    '?dryRun=All',
    '?fieldValidation=Strict',
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '{',
      '[]',
      'null',
      '"x"',
      '{"metadata":[]}',
      '{"metadata":{"name":"Bad Name"}}',
      '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}',
    ),
    fc.json(),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/merge-patch+json',
    'application/json-patch+json',
    'application/strategic-merge-patch+json',
    'application/apply-patch+yaml',
    'application/yaml',
    'application/vnd.kubernetes.protobuf',
    'text/plain',
  );

  it('never answers 500 and keeps serving', async () => {
    const api = client(server.url);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.oneof(
          fc.array(segment, { minLength: 0, maxLength: 7 }),
          fc
            .tuple(
              fc.constantFrom(
                'api/v1/nodes',
                'api/v1/namespaces/default/services',
                'api/v1/namespaces',
                'apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions',
                'apis/example.test/v1/widgets',
                'apis/events.k8s.io/v1/namespaces/default/events',
                'apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
              ),
              fc.constantFrom('', 'x', 'n', 's'),
              fc.constantFrom('', 'status'),
            )
            .map(([base, name, sub]) => [base, name, name === '' ? '' : sub].filter((p) => p !== '')),
        ),
        query,
        body,
        contentType,
        async (method, segs, q, b, ct) => {
          const init: RequestInit = { method, headers: { 'Content-Type': ct } };
          if (b !== undefined && method !== 'GET') init.body = typeof b === 'string' ? b : JSON.stringify(b);
          const res = await fetch(`${server.url}/${segs.join('/')}${q}`, init);
          const text = await res.text();
          if (res.status >= 500) throw new Error(`${method} /${segs.join('/')}${q} -> ${res.status} ${text}`);
          if (res.status >= 400) {
            const status = JSON.parse(text);
            expect(status).toMatchObject({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              code: res.status,
            });
          }
        },
      ),
      { numRuns: 400 },
    );
    expect((await api.get('/version')).status).toBe(200);
  });
});
