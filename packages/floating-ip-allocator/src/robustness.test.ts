/**
 * Robustness: whatever shape arrives (a hand-edited object, a bad informer cache), the
 * allocator answers with data and never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignFloatingIPs, type FloatingIPNode } from './floating-ips.js';
import { type LBNode, type PeerSessions, selectNextHops } from './next-hops.js';
import { type AddressPoolInput, parsePools } from './pools.js';
import { allocateServiceVIPs, type ServiceVIPRequest } from './service-vips.js';

const text = fc.oneof(
  fc.string(),
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('10.0.0.0/24', '10.0.0.1-10.0.0.9', '__proto__', 'constructor', ''),
);
const loose = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const node = fc.record(
  {
    name: loose,
    addresses: fc.oneof(fc.array(fc.oneof(text, fc.constantFrom('10.0.0.5/24', '2001:db8::5/64'))), loose),
    ready: loose,
    readySince: loose,
    notReadySince: loose,
    loadBalancer: loose,
  },
  { requiredKeys: [] },
);

describe('never throws', () => {
  it('assignFloatingIPs', () => {
    fc.assert(
      fc.property(
        fc.array(loose),
        fc.array(node),
        fc.dictionary(fc.string(), loose),
        loose,
        (ips, nodes, prev, now) => {
          const r = assignFloatingIPs({
            floatingIPs: ips as string[],
            nodes: nodes as unknown as FloatingIPNode[],
            previous: prev as Record<string, string>,
            now: now as number,
            graceSeconds: 30,
          });
          expect(JSON.parse(JSON.stringify(r))).toEqual(r);
        },
      ),
    );
  });

  it('parsePools and allocateServiceVIPs', () => {
    const pool = fc.record(
      { name: loose, addresses: fc.oneof(fc.array(loose), loose), avoidBuggyIPs: loose, manualAssign: loose },
      { requiredKeys: [] },
    );
    const svc = fc.record(
      {
        key: loose,
        creationTimestamp: loose,
        requestedIP: loose,
        currentIP: loose,
        ingress: loose,
        family: loose,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(pool), fc.array(svc), loose, loose, (pools, services, ing, cp) => {
        parsePools(pools as unknown as AddressPoolInput[]);
        const r = allocateServiceVIPs({
          pools: pools as unknown as AddressPoolInput[],
          services: services as unknown as ServiceVIPRequest[],
          ingressVIP: ing as string,
          controlPlaneVIP: cp as string,
        });
        const ips = Object.values(r.allocations);
        expect(new Set(ips).size).toBe(ips.length);
      }),
    );
  });

  it('selectNextHops', () => {
    const lb = fc.record({ address: loose, ready: loose, name: loose }, { requiredKeys: [] });
    const peer = fc.record(
      { peer: loose, sessions: fc.oneof(fc.array(loose), loose), addPath: loose },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(loose, fc.array(lb), fc.array(peer), fc.boolean(), (vip, lbNodes, peers, addPath) => {
        const input = {
          lbNodes: lbNodes as unknown as LBNode[],
          peerSessions: peers as unknown as PeerSessions[],
          addPath,
        };
        selectNextHops({ ...input, vip: vip as string });
      }),
    );
  });
});
