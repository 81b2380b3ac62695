import { readFileSync } from 'node:fs';
import { parsePools } from '@bgplb/floating-ip-allocator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseClusterObjects } from './validate-cluster.js';

// What validates is exactly what allocates: for random address pools, Cluster validation (zod schema
// plus the cluster rules) and the allocator's parsePools flag the same entries, for the same reason.

const example = new URL('../../../examples/01-same-peers-for-all-nodes.yaml', import.meta.url);
const cluster = parseAllDocuments(readFileSync(example, 'utf8'))
  .map((d) => d.toJS() as { kind: string; spec: { loadBalancer: Record<string, unknown> } })
  .find((d) => d.kind === 'Cluster')!;

const v4 = fc.nat(63).map((n) => `10.9.0.${n}`);
const v6 = fc.nat(63).map((n) => `2001:db8::${n.toString(16)}`);
const entry = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(v4, v4).map(([a, b]) => `${a}-${b}`) },
  { weight: 4, arbitrary: fc.tuple(v4, fc.integer({ min: 26, max: 32 })).map(([a, n]) => `${a}/${n}`) },
  fc.tuple(v6, fc.integer({ min: 122, max: 128 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(v6, v6).map(([a, b]) => `${a}-${b}`),
  fc.tuple(v4, v6).map(([a, b]) => `${a}-${b}`),
  v4,
  fc.constantFrom('10.9.0.1 -10.9.0.2', '10.9.0.0/33', '10.9.0/24', '', 'pool', '010.9.0.0/30'),
);
const pools = fc
  .array(fc.array(entry, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 })
  .map((lists) => lists.map((addresses, i) => ({ name: `pool${i}`, addresses })));

const ENTRY = /^spec\.loadBalancer\.addressPools\[(\d+)\]\.addresses\[(\d+)\]$/;

describe('pool validation and the allocator', () => {
  it('flag the same entries: syntax always, overlaps whenever every entry parses', () => {
    fc.assert(
      fc.property(pools, (addressPools) => {
        const objects = structuredClone(cluster);
        objects.spec.loadBalancer.vips = { controlPlaneVIP: '192.0.2.8' };
        objects.spec.loadBalancer.addressPools = addressPools;
        const validation = parseClusterObjects({ cluster: objects, bgpPeers: [] }).problems.flatMap((p) => {
          const m = ENTRY.exec(p.path);
          return m === null ? [] : [{ at: `${m[1]}/${m[2]}`, overlap: p.message.includes(' overlaps ') }];
        });
        const allocator = parsePools(addressPools).errors.map((e) => ({
          at: `${e.pool.slice(4)}/${e.index}`,
          overlap: e.message.includes(' overlaps '),
        }));
        const syntax = (list: typeof allocator) =>
          list
            .filter((x) => !x.overlap)
            .map((x) => x.at)
            .sort();
        expect(syntax(validation)).toEqual(syntax(allocator));
        if (syntax(allocator).length === 0) {
          const overlaps = (list: typeof allocator) =>
            list
              .filter((x) => x.overlap)
              .map((x) => x.at)
              .sort();
          expect(overlaps(validation)).toEqual(overlaps(allocator));
        }
        // Validation accepts the pools exactly when the allocator takes every entry.
        expect(validation.length === 0).toBe(allocator.length === 0);
      }),
      { numRuns: 500 },
    );
  }, 60_000); // each run validates a whole Cluster: ~1 ms, far more on a loaded CI machine
});
