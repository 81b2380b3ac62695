import { describe, expect, it } from 'vitest';
import { plannerInputKey } from './planner-input-key.js';

const session = (extra: { metadata?: object; spec?: object; status?: object } = {}) => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPSession',
  metadata: {
    name: 's1',
    namespace: 'kube-system',
    labels: { 'networking.gke.io/peer': 'tor1' },
    ...extra.metadata,
  },
  spec: { floatingIP: '10.0.1.100', peerIP: '10.0.1.254', peerASN: 65000, ...extra.spec },
  ...(extra.status ? { status: extra.status } : {}),
});

describe('plannerInputKey', () => {
  it('ignores status, resourceVersion and managedFields', () => {
    const a = plannerInputKey([session()]);
    expect(
      plannerInputKey([
        session({
          metadata: { resourceVersion: '42', managedFields: [{ manager: 'bgpadvertiser' }] },
          status: { state: 'Established', receivedPrefixes: 200_000 },
        }),
      ]),
    ).toBe(a);
  });

  it('changes with the spec, the labels, the annotations, deletion and the members of the list', () => {
    const a = plannerInputKey([session()]);
    expect(plannerInputKey([session({ spec: { peerIP: '10.0.1.253' } })])).not.toBe(a);
    expect(
      plannerInputKey([session({ metadata: { labels: { 'networking.gke.io/peer': 'tor2' } } })]),
    ).not.toBe(a);
    expect(plannerInputKey([session({ metadata: { annotations: { x: 'y' } } })])).not.toBe(a);
    expect(plannerInputKey([session({ metadata: { deletionTimestamp: '2026-12-05T00:00:00Z' } })])).not.toBe(
      a,
    );
    expect(plannerInputKey([session(), session({ metadata: { name: 's2' } })])).not.toBe(a);
    expect(plannerInputKey([])).not.toBe(a);
  });

  it('keeps a nested field called status (only the top-level one is the status subresource)', () => {
    expect(plannerInputKey([session({ spec: { status: 'x' } })])).not.toBe(
      plannerInputKey([session({ spec: { status: 'y' } })]),
    );
  });

  it('takes anything a watch could deliver without throwing', () => {
    for (const odd of [null, 1, 'x', [], { metadata: null }, { metadata: [] }, { status: 1 }]) {
      expect(typeof plannerInputKey([odd])).toBe('string');
    }
    expect(plannerInputKey([{ status: 1 }])).toBe(plannerInputKey([{ status: 2 }]));
  });
});
