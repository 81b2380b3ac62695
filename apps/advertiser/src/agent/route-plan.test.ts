import { describe, expect, it } from 'vitest';
import { diffRoutes, pathsFingerprint, planRoutes } from './route-plan.js';

function route(name: string, prefix: string, nextHops: string[], metric?: number): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPAdvertisedRoute',
    metadata: { name, namespace: 'kube-system' },
    spec: {
      prefix,
      nextHops,
      ...(metric !== undefined ? { metric } : {}),
      service: { namespace: 'default', name },
    },
  };
}

describe('planRoutes', () => {
  it('turns every next hop into a path with the metric as MED, sorted by address', () => {
    const plan = planRoutes([
      route('default-default-web', '10.0.0.8/32', ['10.0.1.12', '10.0.1.10', '10.0.1.9'], 20),
    ]);
    expect(plan.paths.get('10.0.0.8/32')).toEqual([
      { nextHop: '10.0.1.9', med: 20 },
      { nextHop: '10.0.1.10', med: 20 },
      { nextHop: '10.0.1.12', med: 20 },
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('gives each path of a weighted route a link bandwidth of weight x 1 Mbit/s; a weight change is a change', () => {
    const weighted = (weights: Record<string, number>) => {
      const r = route('default-default-local', '10.0.0.9/32', ['10.0.3.11', '10.0.3.10']) as {
        spec: Record<string, unknown>;
      };
      r.spec.weights = weights;
      return r;
    };
    const plan = planRoutes([weighted({ '10.0.3.10': 3, '10.0.3.11': 1 })]);
    const paths = plan.paths.get('10.0.0.9/32')!;
    expect(paths).toEqual([
      { nextHop: '10.0.3.10', med: 0, linkBandwidth: 375_000 },
      { nextHop: '10.0.3.11', med: 0, linkBandwidth: 125_000 },
    ]);
    const changed = planRoutes([weighted({ '10.0.3.10': 2, '10.0.3.11': 1 })]).paths.get('10.0.0.9/32')!;
    expect(pathsFingerprint(changed)).not.toBe(pathsFingerprint(paths));
    // Weights must cover exactly the next hops: a router ignores a partial set.
    const partial = planRoutes([weighted({ '10.0.3.10': 3 })]);
    expect(partial.paths.size).toBe(0);
    expect(partial.problems[0]?.message).toContain('next hop 10.0.3.11 has no weight');
  });

  it('defaults the metric to 0 and keeps a route without next hops (to withdraw it)', () => {
    const plan = planRoutes([route('a', '10.0.0.1/32', ['10.0.1.10']), route('b', '10.0.0.2/32', [])]);
    expect(plan.paths.get('10.0.0.1/32')).toEqual([{ nextHop: '10.0.1.10', med: 0 }]);
    expect(plan.paths.get('10.0.0.2/32')).toEqual([]);
  });

  it('skips invalid objects with the reason and merges duplicates of one prefix', () => {
    const plan = planRoutes([
      route('bad', '10.0.0.300/32', ['10.0.1.10']),
      route('one', '10.0.0.1/32', ['10.0.1.10'], 5),
      route('two', '10.0.0.1/32', ['10.0.1.10', '10.0.1.11'], 3),
      null,
    ]);
    expect(plan.paths.get('10.0.0.1/32')).toEqual([
      { nextHop: '10.0.1.10', med: 3 },
      { nextHop: '10.0.1.11', med: 3 },
    ]);
    expect(plan.sources.get('10.0.0.1/32')).toEqual(['one', 'two']);
    expect(plan.problems.map((p) => p.name)).toEqual(['bad', 'two', '<unnamed>']);
    expect(plan.problems[0]?.message).toMatch(/spec\.prefix/);
    expect(plan.problems[1]?.message).toBe(
      'prefix 10.0.0.1/32 is also announced by BGPAdvertisedRoute one; next hops are merged',
    );
  });
});

describe('diffRoutes', () => {
  const paths = [{ nextHop: '10.0.1.10', med: 0 }];
  it('sets new and changed prefixes, withdraws removed and emptied ones, leaves the rest', () => {
    const applied = new Map([
      ['10.0.0.1/32', pathsFingerprint(paths)],
      ['10.0.0.2/32', 'old'],
      ['10.0.0.3/32', 'x'],
      ['10.0.0.4/32', 'y'],
    ]);
    const desired = new Map([
      ['10.0.0.1/32', paths],
      ['10.0.0.2/32', paths],
      ['10.0.0.4/32', []],
      ['10.0.0.5/32', paths],
      ['10.0.0.6/32', []],
    ]);
    const diff = diffRoutes(applied, desired);
    expect(diff.set.map((s) => s.prefix)).toEqual(['10.0.0.2/32', '10.0.0.5/32']);
    expect(diff.withdraw).toEqual(['10.0.0.3/32', '10.0.0.4/32']);
  });

  it('re-sends forced prefixes even when unchanged', () => {
    const applied = new Map([['10.0.0.1/32', pathsFingerprint(paths)]]);
    const diff = diffRoutes(applied, new Map([['10.0.0.1/32', paths]]), new Set(['10.0.0.1/32']));
    expect(diff.set.map((s) => s.prefix)).toEqual(['10.0.0.1/32']);
  });
});

describe('planRoutes: graceful drain (RFC 8326)', () => {
  const drained = (drain: Record<string, unknown>, metric = 10) => {
    const r = route('web', '10.0.0.8/32', ['10.0.1.10', '10.0.1.11'], metric) as {
      spec: Record<string, unknown>;
    };
    r.spec.drain = drain;
    return r;
  };

  it('a draining next hop carries GRACEFUL_SHUTDOWN, the raised MED and the prepend; the others do not', () => {
    const plan = planRoutes([drained({ nextHops: ['10.0.1.10'], medIncrease: 100, asPathPrepend: 2 })]);
    expect(plan.paths.get('10.0.0.8/32')).toEqual([
      { nextHop: '10.0.1.10', med: 110, communities: ['GRACEFUL_SHUTDOWN'], asPathPrepend: 2 },
      { nextHop: '10.0.1.11', med: 10 },
    ]);
    // GSHUT alone (no fallback configured), and a MED that cannot overflow.
    expect(
      planRoutes([drained({ nextHops: ['10.0.1.11'], medIncrease: 0, asPathPrepend: 0 })]).paths.get(
        '10.0.0.8/32',
      )?.[1],
    ).toEqual({ nextHop: '10.0.1.11', med: 10, communities: ['GRACEFUL_SHUTDOWN'] });
    expect(
      planRoutes([drained({ nextHops: ['10.0.1.10'], medIncrease: 4294967295, asPathPrepend: 0 })]).paths.get(
        '10.0.0.8/32',
      )?.[0]?.med,
    ).toBe(4294967295);
  });

  it('drain start and undrain change the fingerprint, so the paths are re-sent', () => {
    const plain = planRoutes([route('web', '10.0.0.8/32', ['10.0.1.10', '10.0.1.11'], 10)]).paths.get(
      '10.0.0.8/32',
    )!;
    const draining = planRoutes([
      drained({ nextHops: ['10.0.1.10'], medIncrease: 0, asPathPrepend: 0 }),
    ]).paths.get('10.0.0.8/32')!;
    expect(pathsFingerprint(draining)).not.toBe(pathsFingerprint(plain));
    const applied = new Map([['10.0.0.8/32', pathsFingerprint(draining)]]);
    expect(diffRoutes(applied, new Map([['10.0.0.8/32', plain]])).set.map((s) => s.prefix)).toEqual([
      '10.0.0.8/32',
    ]);
  });

  it('refuses a drain list with an address that is not IPv4, naming the field', () => {
    const plan = planRoutes([drained({ nextHops: ['node-04'], medIncrease: 0, asPathPrepend: 0 })]);
    expect(plan.problems[0]?.message).toMatch(/spec\.drain\.nextHops/);
  });
});
