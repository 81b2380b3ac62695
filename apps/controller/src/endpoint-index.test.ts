import { describe, expect, it } from 'vitest';
import { EndpointIndex } from './endpoint-index.js';
import type { EndpointObject, EndpointSliceObject } from './types.js';

function slice(name: string, service: string | undefined, endpoints: EndpointObject[]): EndpointSliceObject {
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(service === undefined ? {} : { labels: { 'kubernetes.io/service-name': service } }),
    },
    addressType: 'IPv4',
    endpoints,
  };
}
const ep = (node: string, uid: string, ready = true): EndpointObject => ({
  addresses: [`10.244.0.${uid.length}`],
  nodeName: node,
  conditions: { ready },
  targetRef: { uid },
});

describe('EndpointIndex', () => {
  it('sums a Service’s slices per node and reports only the Services whose counts changed', () => {
    const index = new EndpointIndex();
    expect(index.update('add', slice('web-a', 'web', [ep('lb1', 'p1'), ep('lb1', 'p2')]))).toEqual([
      'default/web',
    ]);
    expect(index.update('add', slice('web-b', 'web', [ep('lb2', 'p3')]))).toEqual(['default/web']);
    expect(index.get('default/web')).toEqual(
      new Map([
        ['lb1', 2],
        ['lb2', 1],
      ]),
    );
    // Same counts (an address or a readiness flip of nothing counted): no change to report.
    expect(
      index.update('update', slice('web-b', 'web', [{ ...ep('lb2', 'p3'), addresses: ['10.244.9.9'] }])),
    ).toEqual([]);
    expect(index.update('update', slice('web-b', 'web', [ep('lb2', 'p3', false)]))).toEqual(['default/web']);
    expect(index.get('default/web')).toEqual(new Map([['lb1', 2]]));
    expect(index.update('delete', slice('web-a', 'web', []))).toEqual(['default/web']);
    expect(index.get('default/web')).toBeUndefined();
    expect(index.all().size).toBe(0);
  });

  it('moves a slice whose service label changes, and ignores slices without the label', () => {
    const index = new EndpointIndex();
    index.update('add', slice('s', 'a', [ep('lb1', 'p1')]));
    expect(index.update('update', slice('s', 'b', [ep('lb1', 'p1')])).sort()).toEqual([
      'default/a',
      'default/b',
    ]);
    expect(index.get('default/a')).toBeUndefined();
    expect(index.get('default/b')).toEqual(new Map([['lb1', 1]]));
    expect(index.update('update', slice('s', undefined, [ep('lb1', 'p1')]))).toEqual(['default/b']);
    expect(index.update('add', slice('t', undefined, [ep('lb1', 'p9')]))).toEqual([]);
    expect(index.all().size).toBe(0);
  });
});
