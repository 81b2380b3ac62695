import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseObject } from './parse.js';
import { parseClusterObjects, validateClusterObjects } from './validate-cluster.js';

// The controller validates objects as the API server returns them (JSON): no value makes that throw.

const example = new URL('../../../examples/03-separate-control-and-data-plane.yaml', import.meta.url);
const docs = parseAllDocuments(readFileSync(example, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
const of = (kind: string) => docs.filter((d) => d.kind === kind);

/** Replaces the value at a random path of `object` (walking `steps`) with `value`. */
function mutate(object: unknown, steps: readonly number[], value: unknown): unknown {
  const root = structuredClone(object);
  let node: unknown = root;
  for (const step of steps) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    const child = (node as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || step % 3 === 0) {
      (node as Record<string, unknown>)[key] = value;
      return root;
    }
    node = child;
  }
  return root;
}

const json = fc.jsonValue({ maxDepth: 4 });
const mutation = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), json);

describe('controller objects fuzz', () => {
  it('parseObject never throws on any JSON value', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(typeof parseObject(value).ok).toBe('boolean');
      }),
      { numRuns: 5_000 },
    );
  }, 120_000);

  it('parseClusterObjects never throws on the example with any field replaced by any JSON value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Cluster', 'NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer'),
        mutation,
        (kind, [steps, value]) => {
          const objects = {
            cluster: of('Cluster')[0],
            networkGatewayGroup: of('NetworkGatewayGroup')[0],
            bgpLoadBalancer: of('BGPLoadBalancer')[0],
            bgpPeers: of('BGPPeer'),
          };
          const key = {
            Cluster: 'cluster',
            NetworkGatewayGroup: 'networkGatewayGroup',
            BGPLoadBalancer: 'bgpLoadBalancer',
          }[kind as 'Cluster'];
          const changed =
            key === undefined
              ? { ...objects, bgpPeers: objects.bgpPeers.map((p) => mutate(p, steps, value)) }
              : { ...objects, [key]: mutate(objects[key as keyof typeof objects], steps, value) };
          const parsed = parseClusterObjects(changed);
          expect(parsed.ok).toBe(!parsed.problems.some((p) => p.severity === 'error'));
          expect(Array.isArray(validateClusterObjects(changed))).toBe(true);
        },
      ),
      { numRuns: 3_000 },
    );
  }, 120_000);
});
