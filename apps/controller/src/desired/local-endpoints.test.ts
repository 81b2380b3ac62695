import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointObject, EndpointSliceObject } from '../types.js';
import { localRoute, readyEndpointsByNode, UNKNOWN_NODE } from './local-endpoints.js';

function slice(name: string, endpoints: EndpointObject[], addressType = 'IPv4'): EndpointSliceObject {
  return { metadata: { name, namespace: 'default' }, addressType, endpoints };
}

let uid = 0;
function ep(nodeName: string | undefined, conditions?: EndpointObject['conditions']): EndpointObject {
  uid++;
  const e: EndpointObject = { addresses: [`10.244.0.${uid}`], targetRef: { uid: `pod-${uid}` } };
  if (nodeName !== undefined) e.nodeName = nodeName;
  if (conditions !== undefined) e.conditions = conditions;
  return e;
}

const LB = new Map([
  ['lb1', '10.0.0.11'],
  ['lb2', '10.0.0.12'],
  ['lb3', '10.0.0.13'],
]);

describe('readyEndpointsByNode', () => {
  it('counts ready, not terminating endpoints per node; absent ready means ready', () => {
    const counts = readyEndpointsByNode([
      slice('a', [
        ep('lb1'),
        ep('lb1', { ready: true }),
        ep('lb1', { ready: false }),
        ep('lb2', { ready: true, serving: true, terminating: true }),
        ep('lb2', { serving: true }),
        ep(undefined),
      ]),
      slice('b', [ep('lb1'), ep('worker1')]),
    ]);
    expect(counts).toEqual(
      new Map([
        ['lb1', 3],
        ['lb2', 1],
        [UNKNOWN_NODE, 1],
        ['worker1', 1],
      ]),
    );
  });

  it('counts a Pod listed in an IPv4 and an IPv6 slice once; skips deleted slices and junk', () => {
    const pod: EndpointObject = { addresses: ['10.244.1.5'], nodeName: 'lb1', targetRef: { uid: 'p1' } };
    const pod6: EndpointObject = { addresses: ['fd00::5'], nodeName: 'lb1', targetRef: { uid: 'p1' } };
    const deleted = slice('gone', [ep('lb2')]);
    deleted.metadata.deletionTimestamp = '2026-12-04T00:00:00Z';
    const junk = { ...slice('junk', []), endpoints: [null, 7] as unknown as EndpointObject[] };
    expect(readyEndpointsByNode([slice('v4', [pod]), slice('v6', [pod6], 'IPv6'), deleted, junk])).toEqual(
      new Map([['lb1', 1]]),
    );
    expect(readyEndpointsByNode([{ metadata: { name: 'empty' }, endpoints: null }])).toEqual(new Map());
  });
});

describe('localRoute', () => {
  it('next hops are the load-balancer nodes with ready endpoints, weighted by their count', () => {
    const r = localRoute({
      endpoints: new Map([
        ['lb2', 1],
        ['lb1', 3],
        ['worker1', 2],
        ['lb3', 0],
      ]),
      nextHopByNode: LB,
      weighted: true,
    });
    expect(r).toEqual({
      nextHops: ['10.0.0.11', '10.0.0.12'],
      weights: { '10.0.0.11': 3, '10.0.0.12': 1 },
      outside: { endpoints: 2, nodes: ['worker1'] },
    });
  });

  it('has no weights when weighted ECMP is off, and nothing when no endpoint is on a load-balancer node', () => {
    expect(localRoute({ endpoints: new Map([['lb1', 2]]), nextHopByNode: LB, weighted: false })).toEqual({
      nextHops: ['10.0.0.11'],
      weights: undefined,
      outside: undefined,
    });
    expect(localRoute({ endpoints: undefined, nextHopByNode: LB, weighted: true })).toEqual({
      nextHops: [],
      weights: undefined,
      outside: undefined,
    });
    expect(localRoute({ endpoints: new Map([['w', 1]]), nextHopByNode: LB, weighted: true })).toEqual({
      nextHops: [],
      weights: undefined,
      outside: { endpoints: 1, nodes: ['w'] },
    });
  });

  const nodeNames = ['lb1', 'lb2', 'lb3', 'w1', 'w2'];
  const counts = fc
    .array(fc.tuple(fc.constantFrom(...nodeNames), fc.integer({ min: 0, max: 50 })), { maxLength: 8 })
    .map((entries) => new Map(entries));

  it('property: next hops = LB nodes with ready endpoints; weights = their counts; outside = the rest', () => {
    fc.assert(
      fc.property(counts, (endpoints) => {
        const r = localRoute({ endpoints, nextHopByNode: LB, weighted: true });
        const expected = [...LB].filter(([n]) => (endpoints.get(n) ?? 0) > 0).map(([, a]) => a);
        expect(r.nextHops).toEqual(expected.sort());
        for (const [n, a] of LB) {
          const c = endpoints.get(n) ?? 0;
          expect(r.weights?.[a]).toBe(c > 0 ? c : undefined);
        }
        // Proportional: each next hop's share of the weight is its share of the LB-node endpoints.
        const total = r.nextHops.reduce((sum, a) => sum + r.weights![a]!, 0);
        for (const [n, a] of LB) {
          const c = endpoints.get(n) ?? 0;
          if (c > 0) expect(r.weights![a]! / total).toBeCloseTo(c / total, 12);
        }
        const outside = [...endpoints].filter(([n, c]) => !LB.has(n) && c > 0);
        expect(r.outside?.endpoints ?? 0).toBe(outside.reduce((s, [, c]) => s + c, 0));
        expect(r.outside?.nodes ?? []).toEqual(outside.map(([n]) => n).sort());
      }),
    );
  });

  it('property: a change of one node endpoints changes only that node path', () => {
    fc.assert(
      fc.property(
        counts,
        fc.constantFrom(...nodeNames),
        fc.integer({ min: 0, max: 50 }),
        (endpoints, changed, count) => {
          const before = localRoute({ endpoints, nextHopByNode: LB, weighted: true });
          const after = localRoute({
            endpoints: new Map([...endpoints, [changed, count]]),
            nextHopByNode: LB,
            weighted: true,
          });
          const paths = (r: typeof before) => new Map(r.nextHops.map((a) => [a, r.weights![a]]));
          const x = paths(before);
          const y = paths(after);
          for (const [n, a] of LB) {
            if (n === changed) continue;
            expect(y.get(a)).toBe(x.get(a));
          }
        },
      ),
    );
  });
});
