import { decodeMessage, type SessionOptions, type UpdateMessage } from '@bgplb/bgp-wire';
import { describe, expect, it } from 'vitest';
import { AdjRibOut } from './adj-rib-out.js';
import { joinAdjacent, packChanges } from './rib-updates.js';

const ADD_PATH: SessionOptions = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathSend: new Set(['1/1']),
  addPathReceive: new Set(),
};

describe('packChanges', () => {
  it('groups by path, withdrawals first, with the path ids of the Adj-RIB-Out', () => {
    const rib = new AdjRibOut();
    const hops = [{ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.2' }];
    const changes = ['10.0.0.1/32', '10.0.0.2/32'].map((p) => rib.update(p, hops, true)!);
    const first = packChanges(changes, { localAsn: 65001, ibgp: false }, ADD_PATH);
    expect(first.groups.map((g) => [g.nlri, g.pathIds, g.attributes])).toEqual([
      [['10.0.0.1/32', '10.0.0.2/32'], [1, 1], '[{Origin: i} 65001 {Nexthop: 192.0.2.1}]'],
      [['10.0.0.1/32', '10.0.0.2/32'], [2, 2], '[{Origin: i} 65001 {Nexthop: 192.0.2.2}]'],
    ]);
    const again = rib.update('10.0.0.1/32', [hops[1]!], true)!;
    const second = packChanges([again], { localAsn: 65001, ibgp: false }, ADD_PATH);
    expect(second.messages).toHaveLength(1);
    const d = decodeMessage(second.messages[0]!, { ...ADD_PATH, addPathReceive: ADD_PATH.addPathSend });
    expect(d.ok && (d.message as UpdateMessage).withdrawn).toEqual([{ prefix: '10.0.0.1/32', pathId: 1 }]);
  });
});

describe('joinAdjacent', () => {
  it('joins views that follow each other in one buffer, and only those', () => {
    const a = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const b = new Uint8Array([7, 8]);
    const chunks = joinAdjacent([a.subarray(0, 2), a.subarray(2, 3), b, a.subarray(3, 4), a.subarray(5, 6)]);
    expect(chunks.map((c) => [...c])).toEqual([[1, 2, 3], [7, 8], [4], [6]]);
    expect(joinAdjacent([])).toEqual([]);
  });

  it('turns a packed flush into few chunks holding exactly its messages', () => {
    const rib = new AdjRibOut();
    const hops = Array.from({ length: 8 }, (_, i) => ({ nextHop: `192.0.2.${i + 1}` }));
    const changes = Array.from(
      { length: 3000 },
      (_, i) => rib.update(`10.0.${i >> 8}.${i & 255}/32`, hops, true)!,
    );
    const { messages } = packChanges(changes, { localAsn: 65001, ibgp: false }, ADD_PATH);
    const chunks = joinAdjacent(messages);
    expect(messages.length).toBeGreaterThan(40);
    expect(chunks.length).toBeLessThan(5);
    const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
    expect(concat(chunks).equals(concat(messages))).toBe(true);
  });
});
