import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseClient, leasePath, newLease } from './lease.js';
import { type Api, startApi } from './test-support/api.js';

describe('LeaseClient', () => {
  let api: Api;
  let leases: LeaseClient;
  beforeEach(async () => {
    api = await startApi();
    leases = new LeaseClient(api.client);
  });
  afterEach(async () => {
    await api.close();
  });

  it('paths name the coordination.k8s.io/v1 collection and object', () => {
    expect(leasePath('ns')).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
    expect(leasePath('ns', 'a b')).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases/a%20b');
  });

  it('get answers undefined for a missing Lease; create then conflicts; replace needs the current resourceVersion', async () => {
    expect(await leases.get('kube-system', 'x')).toBeUndefined();
    const made = await leases.create(newLease('kube-system', 'x', { holderIdentity: 'a' }, { app: 't' }));
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect(made.lease.metadata.labels).toEqual({ app: 't' });
    expect(await leases.create(newLease('kube-system', 'x', { holderIdentity: 'b' }))).toEqual({
      ok: false,
      reason: 'conflict',
    });
    const got = await leases.get('kube-system', 'x');
    expect(got?.spec.holderIdentity).toBe('a');
    const renewed = await leases.replace({ ...got!, spec: { ...got!.spec, holderIdentity: 'c' } });
    expect(renewed.ok).toBe(true);
    // The old resourceVersion lost: someone wrote in between.
    expect(await leases.replace({ ...got!, spec: { holderIdentity: 'd' } })).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect((await leases.get('kube-system', 'x'))?.spec.holderIdentity).toBe('c');
  });

  it('other API errors are thrown, not read as a missing Lease or a conflict', async () => {
    await expect(leases.get('kube-system', 'Not_A_Valid_Name')).resolves.toBeUndefined();
    const bad = newLease('kube-system', 'UPPER', {});
    await expect(leases.create(bad)).rejects.toThrow(/422|Invalid|invalid/);
    await api.server.close();
    await expect(leases.get('kube-system', 'x')).rejects.toThrow();
  });
});
