import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inSubnet } from './address.js';
import { type AssignFloatingIPsInput, assignFloatingIPs, type FloatingIPNode } from './floating-ips.js';

const NOW = Date.parse('2026-11-26T08:00:00Z');
const GRACE = 30;
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function node(name: string, address: string, extra: Partial<FloatingIPNode> = {}): FloatingIPNode {
  return { name, addresses: [address], ready: true, readySince: ago(3600), ...extra };
}

function run(input: Partial<AssignFloatingIPsInput> & Pick<AssignFloatingIPsInput, 'floatingIPs' | 'nodes'>) {
  return assignFloatingIPs({ now: NOW, graceSeconds: GRACE, ...input });
}

// SPEC examples 01/02: two racks, 10.0.1.0/24 and 10.0.2.0/24.
const rackNodes = [node('cp-1', '10.0.1.10/24'), node('cp-2', '10.0.1.11/24'), node('cp-3', '10.0.2.10/24')];
// SPEC example 03: a dedicated load-balancer subnet 10.0.3.0/24.
const lbNodes = [
  ...rackNodes,
  node('lb-1', '10.0.3.10/24', { loadBalancer: true }),
  node('lb-2', '10.0.3.11/24', { loadBalancer: true }),
];

describe('examples from the spec', () => {
  it('01/02: one floating IP per rack, each on a node of its own rack', () => {
    const r = run({ floatingIPs: ['10.0.1.100', '10.0.2.100'], nodes: rackNodes });
    expect(['cp-1', 'cp-2']).toContain(r.assignments['10.0.1.100']);
    expect(r.assignments['10.0.2.100']).toBe('cp-3');
    expect(r.unassigned).toEqual({});
    expect(r.moves.map((m) => m.reason)).toEqual(['initial', 'initial']);
  });

  it('01/02: the holder in rack 1 fails; after the grace period the IP moves to the other rack-1 node only', () => {
    const first = run({ floatingIPs: ['10.0.1.100', '10.0.2.100'], nodes: rackNodes });
    const holder = first.assignments['10.0.1.100']!;
    const other = holder === 'cp-1' ? 'cp-2' : 'cp-1';
    const down = (since: number) =>
      rackNodes.map((n) => (n.name === holder ? { ...n, ready: false, notReadySince: ago(since) } : n));
    const inGrace = run({
      floatingIPs: ['10.0.1.100', '10.0.2.100'],
      nodes: down(10),
      previous: first.assignments,
    });
    expect(inGrace.assignments).toEqual(first.assignments);
    expect(inGrace.moves).toEqual([]);
    expect(inGrace.recheckAt).toBe(NOW + 20_000);
    const past = run({
      floatingIPs: ['10.0.1.100', '10.0.2.100'],
      nodes: down(31),
      previous: first.assignments,
    });
    expect(past.assignments).toEqual({ '10.0.1.100': other, '10.0.2.100': 'cp-3' });
    expect(past.moves).toEqual([
      // Due when the grace period ended: 31 s ago it went not ready, the grace is 30 s.
      { ip: '10.0.1.100', from: holder, to: other, reason: 'node-not-ready', dueAt: NOW - 1000 },
    ]);
    // The node comes back: nothing moves back.
    const back = run({
      floatingIPs: ['10.0.1.100', '10.0.2.100'],
      nodes: rackNodes.map((n) => (n.name === holder ? { ...n, readySince: ago(1) } : n)),
      previous: past.assignments,
    });
    expect(back.assignments).toEqual(past.assignments);
    expect(back.moves).toEqual([]);
  });

  it('01/02: the only node of rack 2 fails: its IP is unassigned with a reason, never moved to rack 1', () => {
    const nodes = rackNodes.map((n) =>
      n.name === 'cp-3' ? { ...n, ready: false, notReadySince: ago(60) } : n,
    );
    const r = run({
      floatingIPs: ['10.0.1.100', '10.0.2.100'],
      nodes,
      previous: { '10.0.1.100': 'cp-1', '10.0.2.100': 'cp-3' },
    });
    expect(r.assignments['10.0.2.100']).toBeNull();
    expect(r.unassigned).toEqual({ '10.0.2.100': 'no ready node in subnet 10.0.2.0/24' });
    expect(r.moves).toMatchObject([{ ip: '10.0.2.100', from: 'cp-3', to: null, reason: 'node-not-ready' }]);
  });

  it('03: floating IPs of the load-balancer subnet land on different LB nodes, never on others', () => {
    const r = run({ floatingIPs: ['10.0.3.100', '10.0.3.101'], nodes: lbNodes });
    expect(new Set(Object.values(r.assignments))).toEqual(new Set(['lb-1', 'lb-2']));
    const lb1Down = lbNodes.map((n) =>
      n.name === 'lb-1' ? { ...n, ready: false, notReadySince: ago(120) } : n,
    );
    const failed = run({
      floatingIPs: ['10.0.3.100', '10.0.3.101'],
      nodes: lb1Down,
      previous: r.assignments,
    });
    expect(failed.assignments).toEqual({ '10.0.3.100': 'lb-2', '10.0.3.101': 'lb-2' });
    expect(failed.moves).toHaveLength(1);
    const bothDown = lbNodes.map((n) =>
      n.loadBalancer ? { ...n, ready: false, notReadySince: ago(120) } : n,
    );
    const none = run({
      floatingIPs: ['10.0.3.100', '10.0.3.101'],
      nodes: bothDown,
      previous: failed.assignments,
    });
    expect(none.assignments).toEqual({ '10.0.3.100': null, '10.0.3.101': null });
    expect(none.unassigned['10.0.3.100']).toBe('no ready node in subnet 10.0.3.0/24');
    // lb-1 returns: both stay on lb-2 (no move back, sessions are not disturbed).
    const back = run({
      floatingIPs: ['10.0.3.100', '10.0.3.101'],
      nodes: lbNodes,
      previous: failed.assignments,
    });
    expect(back.moves).toEqual([]);
  });
});

describe('rules and bad input', () => {
  it('reports a floating IP in no node subnet and an invalid one, without throwing', () => {
    const r = run({ floatingIPs: ['10.0.9.100', 'not-an-ip', '10.0.1.100', '10.0.1.100'], nodes: rackNodes });
    expect(r.unassigned).toEqual({
      '10.0.9.100': 'no node has an address in a subnet containing 10.0.9.100',
      'not-an-ip': 'invalid floating IP: "not-an-ip" is not a valid IPv4 (a.b.c.d) or IPv6 address',
    });
    expect(r.assignments['not-an-ip']).toBeNull();
    expect(Object.keys(r.assignments)).toHaveLength(3);
  });

  it('survives garbage input shapes', () => {
    const r = assignFloatingIPs({
      floatingIPs: undefined as unknown as string[],
      nodes: [null, { name: 5 }, { name: 'a', ready: true }] as unknown as FloatingIPNode[],
      now: NOW,
      graceSeconds: 30,
    });
    expect(r.assignments).toEqual({});
    expect(r.warnings).toEqual([
      'ignoring a node without a name: null',
      'ignoring a node without a name: {"name":5}',
    ]);
    const s = assignFloatingIPs({
      floatingIPs: ['10.0.1.100'],
      nodes: undefined as unknown as FloatingIPNode[],
      now: NOW,
      graceSeconds: 30,
    });
    expect(s.unassigned['10.0.1.100']).toMatch(/no node has an address/);
  });

  it('keeps a garbage entry named __proto__ as data', () => {
    const r = run({ floatingIPs: ['__proto__', '10.0.1.100'], nodes: rackNodes });
    expect(Object.keys(r.assignments)).toEqual(['10.0.1.100', '__proto__']);
    expect(Object.getPrototypeOf(r.assignments)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r.unassigned, '__proto__')?.value).toMatch(/^invalid floating IP/);
  });

  it('warns about bad node addresses, duplicate nodes, a floating IP equal to a node address, and a bad clock', () => {
    const r = assignFloatingIPs({
      floatingIPs: ['10.0.1.10'],
      nodes: [
        { name: 'a', addresses: ['10.0.1.10/24', '10.0.1.10', 'junk/8'], ready: true },
        { name: 'b', addresses: ['10.0.1.11/24'], ready: true, notReadySince: 5 },
        { name: 'b', addresses: ['10.0.1.12/24'], ready: false, notReadySince: 1, readySince: 3 },
      ],
      now: 'not a time',
      graceSeconds: 30,
    });
    expect(r.warnings).toEqual([
      'now is not a valid time: not a time; grace periods ignored',
      'node b is listed more than once; treating it as ready only if every entry is',
      'node a: ignoring address "10.0.1.10" has no prefix length (expected CIDR form like 10.0.1.10/24)',
      'node a: ignoring address "junk/8": "junk" is not a valid IPv4 (a.b.c.d) or IPv6 address',
      'floating IP 10.0.1.10 is an address of node a; it is never placed on that node',
    ]);
    expect(r.assignments['10.0.1.10']).toBeNull();
    expect(r.unassigned['10.0.1.10']).toBe('no ready node in subnet 10.0.1.0/24');
  });

  it('never uses the network or broadcast address of a node subnet', () => {
    const r = run({
      floatingIPs: ['10.0.1.255', '10.0.1.0', '10.0.1.101'],
      nodes: rackNodes,
      previous: { '10.0.1.255': 'cp-1' },
    });
    expect(r.unassigned).toEqual({
      '10.0.1.255':
        '10.0.1.255 is the broadcast address of 10.0.1.0/24; a floating IP must be a usable host address',
      '10.0.1.0':
        '10.0.1.0 is the network address of 10.0.1.0/24; a floating IP must be a usable host address',
    });
    expect(r.moves).toContainEqual({ ip: '10.0.1.255', from: 'cp-1', to: null, reason: 'node-ineligible' });
    expect(r.assignments['10.0.1.101']).not.toBeNull();
    // A /31 or /32 has no network or broadcast address.
    const p2p = run({ floatingIPs: ['10.0.9.1'], nodes: [node('a', '10.0.9.0/31')] });
    expect(p2p.assignments['10.0.9.1']).toBe('a');
  });

  it('warns about a bad grace period and treats it as zero', () => {
    const nodes = [
      node('a', '10.0.1.10/24', { ready: false, notReadySince: ago(1) }),
      node('b', '10.0.1.11/24'),
    ];
    for (const graceSeconds of [-5, Number.NaN]) {
      const r = run({ floatingIPs: ['10.0.1.100'], nodes, previous: { '10.0.1.100': 'a' }, graceSeconds });
      expect(r.warnings[0]).toMatch(/^graceSeconds must be a number >= 0/);
      expect(r.assignments['10.0.1.100']).toBe('b');
    }
  });

  it('a node with an unknown notReadySince is past its grace period', () => {
    const r = run({
      floatingIPs: ['10.0.1.100'],
      nodes: [node('a', '10.0.1.10/24', { ready: false }), node('b', '10.0.1.11/24')],
      previous: { '10.0.1.100': 'a' },
    });
    expect(r.assignments['10.0.1.100']).toBe('b');
  });

  it('moves an IP off a node that left the subnet, was removed, or when the IP is removed', () => {
    const r = run({
      floatingIPs: ['10.0.1.100', '10.0.1.101'],
      nodes: [node('a', '10.0.2.10/24'), node('b', '10.0.1.11/24')],
      previous: { '10.0.1.100': 'a', '10.0.1.101': 'gone', '10.0.1.102': 'b', junk: 'b', '10.0.1.103': null },
    });
    expect(r.moves).toEqual([
      { ip: '10.0.1.100', from: 'a', to: 'b', reason: 'node-ineligible' },
      { ip: '10.0.1.101', from: 'gone', to: 'b', reason: 'node-removed' },
      { ip: '10.0.1.102', from: 'b', to: null, reason: 'floating-ip-removed' },
      { ip: 'junk', from: 'b', to: null, reason: 'floating-ip-removed' },
    ]);
  });

  it('spreads first, then prefers settled nodes over nodes that just came back', () => {
    const nodes = [node('fresh', '10.0.1.10/24', { readySince: ago(5) }), node('old', '10.0.1.11/24')];
    const r = run({ floatingIPs: ['10.0.1.100', '10.0.1.101'], nodes });
    // Both hold nothing: the settled node wins the first; the second goes to the other node.
    expect(r.assignments).toEqual({ '10.0.1.100': 'old', '10.0.1.101': 'fresh' });
    expect(r.recheckAt).toBe(NOW + 25_000);
    const one = run({ floatingIPs: ['10.0.1.101'], nodes });
    expect(one.assignments).toEqual({ '10.0.1.101': 'old' });
  });

  it('loadBalancerNodesOnly confines floating IPs to load-balancer nodes', () => {
    const nodes = [node('worker', '10.0.1.10/24'), node('lb', '10.0.1.11/24', { loadBalancer: true })];
    const r = run({ floatingIPs: ['10.0.1.100', '10.0.1.101'], nodes, loadBalancerNodesOnly: true });
    expect(r.assignments).toEqual({ '10.0.1.100': 'lb', '10.0.1.101': 'lb' });
    const none = run({
      floatingIPs: ['10.0.1.100'],
      nodes: [nodes[0]!],
      loadBalancerNodesOnly: true,
      previous: { '10.0.1.100': 'worker' },
    });
    expect(none.unassigned['10.0.1.100']).toBe('no ready load-balancer node in subnet 10.0.1.0/24');
    expect(none.moves[0]!.reason).toBe('node-ineligible');
  });

  it('supports IPv6 floating IPs and canonicalises them', () => {
    const r = run({ floatingIPs: ['2001:DB8::100'], nodes: [node('a', '2001:db8::10/64')] });
    expect(r.assignments).toEqual({ '2001:db8::100': 'a' });
  });

  it('spreads floating IPs over the nodes that hold the fewest', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => node(`n${i}`, `10.0.1.${10 + i}/24`));
    const ips = Array.from({ length: 5 }, (_, i) => `10.0.1.${100 + i}`);
    const r = run({ floatingIPs: ips, nodes, previous: { '10.0.1.100': 'n3' } });
    expect(new Set(Object.values(r.assignments)).size).toBe(5);
    expect(r.assignments['10.0.1.100']).toBe('n3');
  });
});

// ---------------------------------------------------------------- properties

const SUBNETS = [1, 2, 3];
const nodeArb = fc.record({
  subnets: fc.uniqueArray(fc.constantFrom(...SUBNETS), { minLength: 1, maxLength: 2 }),
  host: fc.integer({ min: 1, max: 80 }),
  ready: fc.boolean(),
  since: fc.integer({ min: 0, max: 120 }),
  loadBalancer: fc.boolean(),
});
const scenarioArb = fc
  .record({
    nodes: fc.array(nodeArb, { maxLength: 10 }),
    ips: fc.uniqueArray(
      fc.record({ subnet: fc.constantFrom(...SUBNETS, 4), host: fc.integer({ min: 100, max: 110 }) }),
      { maxLength: 8, selector: (x) => `${x.subnet}.${x.host}` },
    ),
    prevPick: fc.array(fc.nat(12), { maxLength: 8 }),
  })
  .map(({ nodes, ips, prevPick }) => {
    const built: FloatingIPNode[] = nodes.map((n, i) => ({
      name: `node-${i}`,
      addresses: n.subnets.map((s) => `10.0.${s}.${n.host + i}/24`),
      ready: n.ready,
      ...(n.ready ? { readySince: ago(n.since + 100) } : { notReadySince: ago(n.since) }),
      loadBalancer: n.loadBalancer,
    }));
    const floatingIPs = ips.map((x) => `10.0.${x.subnet}.${x.host}`);
    const previous: Record<string, string | null> = {};
    floatingIPs.forEach((ip, i) => {
      const p = prevPick[i];
      if (p !== undefined) previous[ip] = p < built.length ? built[p]!.name : null;
    });
    return { nodes: built, floatingIPs, previous };
  });

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    const j = (s >>> 8) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('properties', () => {
  it('never assigns across subnets, nor to a node that is not ready past the grace period', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, floatingIPs, previous }) => {
        const r = run({ floatingIPs, nodes, previous });
        for (const [ip, name] of Object.entries(r.assignments)) {
          if (name === null) {
            expect(r.unassigned[ip]).toBeTypeOf('string');
            continue;
          }
          const n = nodes.find((x) => x.name === name)!;
          expect(n.addresses.some((a) => inSubnet(ip, a))).toBe(true);
          if (!n.ready) {
            // Only a previous holder still inside its grace period keeps an IP.
            expect(previous[ip]).toBe(name);
            expect(NOW - Date.parse(String(n.notReadySince))).toBeLessThan(GRACE * 1000);
          }
        }
      }),
    );
  });

  it('assigns every IP that has a ready node in its subnet', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, floatingIPs, previous }) => {
        const r = run({ floatingIPs, nodes, previous });
        for (const ip of floatingIPs) {
          const possible = nodes.some((n) => n.ready && n.addresses.some((a) => inSubnet(ip, a)));
          if (possible) expect(r.assignments[ip]).not.toBeNull();
        }
      }),
    );
  });

  it('is independent of input order', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), ({ nodes, floatingIPs, previous }, seed) => {
        const a = run({ floatingIPs, nodes, previous });
        const b = run({
          floatingIPs: shuffle(floatingIPs, seed),
          nodes: shuffle(nodes, seed + 1).map((n) => ({ ...n, addresses: shuffle(n.addresses, seed) })),
          previous: Object.fromEntries(shuffle(Object.entries(previous), seed + 2)),
        });
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
    );
  });

  it('is stable: recomputing from its own answer moves nothing', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, floatingIPs, previous }) => {
        const a = run({ floatingIPs, nodes, previous });
        const b = run({ floatingIPs, nodes, previous: a.assignments });
        expect(b.assignments).toEqual(a.assignments);
        expect(b.moves).toEqual([]);
      }),
    );
  });

  it('is stable under unrelated changes: a new node, a new floating IP, a non-holder failing', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.constantFrom(...SUBNETS),
        fc.nat(),
        ({ nodes, floatingIPs, previous }, s, pick) => {
          const a = run({ floatingIPs, nodes, previous });
          const held = new Set(Object.values(a.assignments));
          const newcomer = node('newcomer', `10.0.${s}.200/24`);
          const withNode = run({ floatingIPs, nodes: [...nodes, newcomer], previous: a.assignments });
          // Only IPs that had no holder at all may be placed (on the newcomer).
          for (const m of withNode.moves) expect(m).toMatchObject({ from: null, to: 'newcomer' });
          const extraIP = `10.0.${s}.150`;
          const withIP = run({ floatingIPs: [...floatingIPs, extraIP], nodes, previous: a.assignments });
          for (const ip of floatingIPs) expect(withIP.assignments[ip]).toBe(a.assignments[ip]);
          const idle = nodes.filter((n) => !held.has(n.name));
          if (idle.length > 0) {
            const victim = idle[pick % idle.length]!;
            const failed = nodes.map((n) =>
              n === victim ? { ...n, ready: false, notReadySince: ago(999) } : n,
            );
            expect(run({ floatingIPs, nodes: failed, previous: a.assignments }).moves).toEqual([]);
          }
        },
      ),
    );
  });

  it('spreads: in one subnet, fresh placement leaves holders within one floating IP of each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        (n, f, fresh) => {
          const nodes = Array.from({ length: n }, (_, i) =>
            node(`n${i}`, `10.0.5.${i + 1}/24`, { readySince: ago(fresh[i] ? 1 : 3600) }),
          );
          const ips = Array.from({ length: f }, (_, i) => `10.0.5.${100 + i}`);
          const r = run({ floatingIPs: ips, nodes });
          const held = new Map(nodes.map((x) => [x.name, 0]));
          for (const h of Object.values(r.assignments)) held.set(h!, held.get(h!)! + 1);
          const counts = [...held.values()];
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('moves only the IPs of a node that fails, and nothing back when it returns', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), ({ nodes, floatingIPs, previous }, pick) => {
        fc.pre(nodes.length > 0);
        const a = run({ floatingIPs, nodes, previous });
        const victim = nodes[pick % nodes.length]!;
        const failed = nodes.map((n) => (n === victim ? { ...n, ready: false, notReadySince: ago(999) } : n));
        const b = run({ floatingIPs, nodes: failed, previous: a.assignments });
        for (const m of b.moves) expect(m.from).toBe(victim.name);
        const back = run({
          floatingIPs,
          nodes: failed.map((n) =>
            n.name === victim.name ? { ...victim, ready: true, readySince: ago(1) } : n,
          ),
          previous: b.assignments,
        });
        // Only IPs that were left without any holder may now be placed.
        for (const m of back.moves) expect(m.from).toBeNull();
      }),
    );
  });
});
