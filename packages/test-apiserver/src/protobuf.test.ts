import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from './protobuf.js';

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const bytes = (num: number, payload: Buffer | string): Buffer => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.from([...varint((num << 3) | 2), ...varint(b.length), ...b]);
};
const int = (num: number, v: number): Buffer => Buffer.from([...varint(num << 3), ...varint(v)]);
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    bytes(1, Buffer.concat([bytes(1, apiVersion), bytes(2, kind)])),
    bytes(2, raw),
    bytes(3, ''),
    bytes(4, ''),
  ]);

describe('protobuf request bodies', () => {
  it('decodes a Namespace with labels, annotations and finalizers', () => {
    const meta = Buffer.concat([
      bytes(1, 'ns1'),
      bytes(2, ''),
      bytes(11, Buffer.concat([bytes(1, 'a'), bytes(2, 'b')])),
      bytes(12, Buffer.concat([bytes(1, 'note'), bytes(2, 'x')])),
      bytes(14, 'example.com/f'),
    ]);
    const obj = decodeProtobuf(
      envelope('v1', 'Namespace', Buffer.concat([bytes(1, meta), bytes(2, bytes(1, 'kubernetes'))])),
    );
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'ns1',
        labels: { a: 'b' },
        annotations: { note: 'x' },
        finalizers: ['example.com/f'],
      },
      spec: { finalizers: ['kubernetes'] },
    });
    const bare = decodeProtobuf(
      envelope('v1', 'Namespace', Buffer.concat([bytes(1, bytes(1, 'ns2')), bytes(2, Buffer.alloc(0))])),
    );
    expect(bare).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns2' } });
  });

  it('decodes Service fields, including int-or-string ports and flags', () => {
    const port = Buffer.concat([
      bytes(1, 'p'),
      bytes(2, 'UDP'),
      int(3, 53),
      bytes(4, Buffer.concat([int(1, 0), int(2, 5353)])),
      int(5, 0),
    ]);
    const spec = Buffer.concat([
      bytes(1, port),
      bytes(3, 'None'),
      bytes(4, 'ClusterIP'),
      bytes(5, '1.2.3.4'),
      bytes(5, '1.2.3.5'),
      int(12, 0),
      int(13, 1),
      int(20, 0),
      bytes(21, 'example.com/lb'),
    ]);
    const obj = decodeProtobuf(
      envelope('v1', 'Service', Buffer.concat([bytes(1, bytes(1, 's')), bytes(2, spec)])),
    );
    expect(obj.spec).toEqual({
      ports: [{ name: 'p', protocol: 'UDP', port: 53, targetPort: 5353 }],
      clusterIP: 'None',
      type: 'ClusterIP',
      externalIPs: ['1.2.3.4', '1.2.3.5'],
      publishNotReadyAddresses: true,
      allocateLoadBalancerNodePorts: false,
      loadBalancerClass: 'example.com/lb',
    });
  });

  it('refuses other kinds and malformed bodies with 415', () => {
    expect(() => decodeProtobuf(Buffer.from('{}'))).toThrow(/k8s\\0 envelope/);
    expect(() => decodeProtobuf(envelope('v1', 'Secret', Buffer.alloc(0)))).toThrow(/got v1 Secret/);
    expect(() =>
      decodeProtobuf(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x0a, 0x50])])),
    ).toThrow(/undecodable: truncated/);
    try {
      decodeProtobuf(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x0b])]));
    } catch (e) {
      expect((e as { code: number }).code).toBe(415);
    }
  });
});
