import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

describe('merge patch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('RFC 7386 example %#', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe('JSON patch', () => {
  const obj = { metadata: { name: 'x' }, spec: { a: 1 } };
  it('applies operations and fails cleanly', () => {
    expect(jsonPatch(obj, [{ op: 'replace', path: '/spec/a', value: 2 }]).spec).toEqual({ a: 2 });
    expect(obj.spec.a).toBe(1);
    expect(() => jsonPatch(obj, { op: 'add' })).toThrow(/cannot unmarshal/);
    expect(() => jsonPatch(obj, [{ op: 'remove', path: '/nope/x' }])).toThrow(
      /the server rejected our request/,
    );
  });
});

describe('strategic merge patch', () => {
  const node = {
    metadata: { finalizers: ['a'], ownerReferences: [{ uid: 'u1', name: 'x' }] },
    spec: { taints: [{ key: 'k1', effect: 'NoSchedule' }], podCIDRs: ['10.0.0.0/24'] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'DiskPressure', status: 'False' },
      ],
      images: [{ names: ['a'] }],
    },
  };
  it('merges keyed lists, replaces others and honours directives', () => {
    const out = strategicMergePatch(node, {
      metadata: { finalizers: ['b'], ownerReferences: [{ uid: 'u2', name: 'y' }] },
      spec: {
        taints: [
          { key: 'k1', $patch: 'delete' },
          { key: 'k2', effect: 'NoExecute' },
        ],
      },
      status: { conditions: [{ type: 'Ready', status: 'False' }], images: [{ names: ['b'] }] },
      $setElementOrder: 'ignored',
      '$setElementOrder/status': [],
      $retainKeys: [],
    }) as typeof node;
    expect(out.metadata.finalizers).toEqual(['a', 'b']);
    expect(out.metadata.ownerReferences.map((o) => o.uid)).toEqual(['u1', 'u2']);
    expect(out.spec.taints).toEqual([{ key: 'k2', effect: 'NoExecute' }]);
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'False' },
      { type: 'DiskPressure', status: 'False' },
    ]);
    expect(out.status.images).toEqual([{ names: ['b'] }]);
  });

  it('replaces and deletes maps and lists on request', () => {
    expect(strategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } })).toEqual({
      spec: { c: 3 },
    });
    expect(strategicMergePatch({ spec: { a: 1 }, x: 1 }, { spec: { $patch: 'delete' } })).toEqual({ x: 1 });
    expect(
      strategicMergePatch(
        { status: { conditions: [{ type: 'A' }] } },
        { status: { conditions: [{ $patch: 'replace' }, { type: 'B' }] } },
      ),
    ).toEqual({
      status: { conditions: [{ type: 'B' }] },
    });
    expect(
      strategicMergePatch(
        { metadata: { finalizers: ['a', 'b'] } },
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      ),
    ).toEqual({
      metadata: { finalizers: ['b'] },
    });
    expect(strategicMergePatch({ a: 1, b: 2 }, { a: null })).toEqual({ b: 2 });
    expect(() => strategicMergePatch(node, { status: { conditions: [{ status: 'x' }] } })).toThrow(
      /merge key: type/,
    );
  });
});
