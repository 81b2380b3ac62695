import { describe, expect, it } from 'vitest';
import { type ObservedAddress, parseIpAddrJson } from '../shared/ip-addresses.js';
import { interfaceForSubnet, ownedLabel, planFloatingIPs } from './floating-ip-plan.js';

const IP_JSON = JSON.stringify([
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
    addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, label: 'lo' }],
  },
  {
    ifindex: 2,
    ifname: 'eth0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    addr_info: [
      { family: 'inet', local: '10.0.1.10', prefixlen: 24, label: 'eth0' },
      { family: 'inet', local: '10.0.1.100', prefixlen: 32, label: 'eth0:bgplb' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
      { family: 'inet6', local: '2001:db8:1::10', prefixlen: 64, scope: 'global' },
      { family: 'inet6', local: '2001:db8:1::100', prefixlen: 128, scope: 'global', deprecated: true },
    ],
  },
  {
    ifindex: 3,
    ifname: 'eth1',
    flags: ['BROADCAST', 'MULTICAST'],
    addr_info: [{ family: 'inet', local: '10.0.2.10', prefixlen: 24, label: 'eth1' }],
  },
]);

const addr = (ifname: string, cidr: string, label?: string, up = true): ObservedAddress => {
  const [ip = '', len = '32'] = cidr.split('/');
  return { ifname, ip, prefixLen: Number(len), label: label ?? ifname, up };
};

describe('parseIpAddrJson', () => {
  it('reads IPv4 and global IPv6 addresses with interface, prefix length, label and link state', () => {
    expect(parseIpAddrJson(IP_JSON)).toEqual([
      { ifname: 'lo', ip: '127.0.0.1', prefixLen: 8, label: 'lo', up: true },
      { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true },
      { ifname: 'eth0', ip: '10.0.1.100', prefixLen: 32, label: 'eth0:bgplb', up: true },
      { ifname: 'eth0', ip: '2001:db8:1::10', prefixLen: 64, label: undefined, up: true },
      {
        ifname: 'eth0',
        ip: '2001:db8:1::100',
        prefixLen: 128,
        label: undefined,
        up: true,
        states: ['deprecated'],
      },
      { ifname: 'eth1', ip: '10.0.2.10', prefixLen: 24, label: 'eth1', up: false },
    ]);
  });

  it('reads the IPv6 address states iproute2 prints as booleans (and ignores the others, e.g. nodad)', () => {
    const text = JSON.stringify([
      {
        ifname: 'eth0',
        flags: ['UP'],
        addr_info: [
          { family: 'inet6', local: '2001:db8::1', prefixlen: 64, scope: 'global', tentative: true },
          {
            family: 'inet6',
            local: '2001:db8::2',
            prefixlen: 64,
            scope: 'global',
            dadfailed: true,
            tentative: true,
          },
          {
            family: 'inet6',
            local: '2001:db8::3',
            prefixlen: 64,
            scope: 'global',
            temporary: true,
            dynamic: true,
          },
          {
            family: 'inet6',
            local: '2001:db8::4',
            prefixlen: 128,
            scope: 'global',
            nodad: true,
            deprecated: false,
          },
        ],
      },
    ]);
    expect(parseIpAddrJson(text).map((a) => [a.ip, a.states])).toEqual([
      ['2001:db8::1', ['tentative']],
      ['2001:db8::2', ['tentative', 'dadfailed']],
      ['2001:db8::3', ['temporary']],
      ['2001:db8::4', undefined],
    ]);
  });

  it('treats empty output as no addresses', () => {
    expect(parseIpAddrJson('')).toEqual([]);
  });

  it('refuses output that is not iproute2 JSON', () => {
    expect(() => parseIpAddrJson('1: lo: <LOOPBACK>')).toThrow(/cannot parse `ip -j addr show` output/);
    expect(() => parseIpAddrJson('{}')).toThrow(/did not print a JSON array/);
  });

  it('skips entries it cannot read instead of failing', () => {
    const text = JSON.stringify([null, { ifname: 7 }, { ifname: 'x', addr_info: [{ family: 'inet' }] }]);
    expect(parseIpAddrJson(text)).toEqual([]);
  });
});

describe('ownedLabel', () => {
  it('is <ifname>:bgplb when it fits in 15 characters', () => {
    expect(ownedLabel('eth0')).toBe('eth0:bgplb');
    expect(ownedLabel('enp0s31f6')).toBe('enp0s31f6:bgplb');
    expect(ownedLabel('enp129s0f1np1')).toBeUndefined();
  });
});

describe('interfaceForSubnet', () => {
  const observed = [
    addr('eth0', '10.0.0.10/16'),
    addr('eth1', '10.0.1.10/24'),
    addr('eth2', '10.0.1.11/24', undefined, false),
  ];
  it('picks the most specific subnet, preferring links that are up', () => {
    expect(interfaceForSubnet('10.0.1.100', observed, new Set())).toBe('eth1');
    expect(interfaceForSubnet('10.0.7.1', observed, new Set())).toBe('eth0');
    expect(interfaceForSubnet('192.168.0.1', observed, new Set())).toBeUndefined();
  });
  it('never uses a floating IP or one of our own addresses as the subnet anchor', () => {
    const only = [addr('eth0', '10.0.1.100/24', 'eth0:bgplb'), addr('eth1', '10.0.1.101/24')];
    expect(interfaceForSubnet('10.0.1.102', only, new Set(['10.0.1.101']))).toBeUndefined();
  });
});

describe('planFloatingIPs', () => {
  const base = [addr('lo', '127.0.0.1/8'), addr('eth0', '10.0.1.10/24'), addr('eth1', '10.0.2.10/24')];
  const fips = ['10.0.1.100', '10.0.1.101', '10.0.2.100'];

  it('adds an assigned floating IP as a labelled /32 on the interface of its subnet', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a', '10.0.2.100': 'node-a', '10.0.1.101': 'node-b' },
      floatingIPs: fips,
      observed: base,
    });
    expect(plan.actions).toEqual([
      { kind: 'add', ip: '10.0.1.100', ifname: 'eth0', label: 'eth0:bgplb' },
      { kind: 'add', ip: '10.0.2.100', ifname: 'eth1', label: 'eth1:bgplb' },
    ]);
    expect(plan.held).toEqual([]);
    expect(plan.problems.size).toBe(0);
  });

  it('keeps what is already there and does nothing twice (no duplicate address)', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: fips,
      observed: [...base, addr('eth0', '10.0.1.100/32', 'eth0:bgplb')],
    });
    expect(plan.actions).toEqual([]);
    expect(plan.held).toEqual(['10.0.1.100']);
    expect(plan.owned.map((a) => a.ip)).toEqual(['10.0.1.100']);
  });

  it('removes a floating IP that moved to another node, saying where it went', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-b' },
      floatingIPs: fips,
      observed: [...base, addr('eth0', '10.0.1.100/32', 'eth0:bgplb')],
    });
    expect(plan.actions).toEqual([
      {
        kind: 'remove',
        ip: '10.0.1.100',
        ifname: 'eth0',
        prefixLen: 32,
        reason: 'floating IP 10.0.1.100 is assigned to node node-b, not node-a',
      },
    ]);
  });

  it('reconciles leftovers of an earlier run: labelled addresses no longer listed, unassigned /32 floating IPs', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: {},
      floatingIPs: fips,
      observed: [
        ...base,
        addr('eth0', '10.0.1.99/32', 'eth0:bgplb'),
        addr('eth0', '10.0.1.101/32'),
        addr('eth0', '10.0.1.50/32'),
        addr('eth0', '10.0.1.51/24', 'eth0:other'),
      ],
    });
    expect(plan.actions.map((a) => a.kind === 'remove' && `${a.ip} ${a.reason}`)).toEqual([
      '10.0.1.99 10.0.1.99 is no longer a floating IP of the NetworkGatewayGroup',
      '10.0.1.101 floating IP 10.0.1.101 is not assigned to any node',
    ]);
  });

  it("never touches addresses that are not ours (other labels, other prefix lengths, the node's own)", () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: {},
      floatingIPs: ['10.0.1.10', '10.0.1.102'],
      observed: [...base, addr('eth0', '10.0.1.102/32', 'eth0:keepalived')],
    });
    expect(plan.actions).toEqual([]);
  });

  it('reports a floating IP that no interface can hold', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '192.168.9.9': 'node-a' },
      floatingIPs: ['192.168.9.9'],
      observed: base,
    });
    expect(plan.actions).toEqual([]);
    expect(plan.problems.get('192.168.9.9')).toBe(
      'no interface on node node-a has an address in the subnet of floating IP 192.168.9.9',
    );
  });

  it('uses the interface override for every floating IP', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '192.168.9.9': 'node-a' },
      floatingIPs: ['192.168.9.9'],
      observed: base,
      interfaceOverride: 'eth1',
    });
    expect(plan.actions).toEqual([{ kind: 'add', ip: '192.168.9.9', ifname: 'eth1', label: 'eth1:bgplb' }]);
  });

  it('removes our duplicate copies and moves our address to the right interface', () => {
    const dup = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: fips,
      observed: [
        ...base,
        addr('eth0', '10.0.1.100/32', 'eth0:bgplb'),
        addr('eth1', '10.0.1.100/32', 'eth1:bgplb'),
      ],
    });
    expect(dup.held).toEqual(['10.0.1.100']);
    expect(dup.actions).toEqual([
      {
        kind: 'remove',
        ip: '10.0.1.100',
        ifname: 'eth1',
        prefixLen: 32,
        reason: 'duplicate of floating IP 10.0.1.100 on eth1 (kept on eth0)',
      },
    ]);
    const moved = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: fips,
      observed: [...base, addr('eth1', '10.0.1.100/32', 'eth1:bgplb')],
    });
    expect(moved.held).toEqual([]);
    expect(moved.actions.map((a) => `${a.kind} ${a.ifname}`)).toEqual(['remove eth1', 'add eth0']);
  });

  it('accepts a floating IP someone else put on the node (and leaves it alone)', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: fips,
      observed: [...base, addr('eth1', '10.0.1.100/24', 'eth1:manual')],
    });
    expect(plan.held).toEqual(['10.0.1.100']);
    expect(plan.actions).toEqual([]);
  });

  it('adds an unlabelled /32 on interfaces whose name leaves no room for the label', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: fips,
      observed: [addr('enp129s0f1np1', '10.0.1.10/24')],
    });
    expect(plan.actions).toEqual([
      { kind: 'add', ip: '10.0.1.100', ifname: 'enp129s0f1np1', label: undefined },
    ]);
  });
});

describe('planFloatingIPs: floating IPs withheld by their Lease', () => {
  it('removes a withheld floating IP with the Lease reason and never adds one', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a', '10.0.1.101': 'node-a' },
      floatingIPs: ['10.0.1.100', '10.0.1.101'],
      observed: [addr('eth0', '10.0.1.10/24'), addr('eth0', '10.0.1.100/32', 'eth0:bgplb')],
      withheld: new Map([
        [
          '10.0.1.100',
          'the Lease of floating IP 10.0.1.100 could not be renewed for 3.0 s (expiry 3.0 s): fenced',
        ],
        ['10.0.1.101', 'the Lease of floating IP 10.0.1.101 could not be claimed yet'],
      ]),
    });
    expect(plan.actions).toEqual([
      {
        kind: 'remove',
        ip: '10.0.1.100',
        ifname: 'eth0',
        prefixLen: 32,
        reason: 'the Lease of floating IP 10.0.1.100 could not be renewed for 3.0 s (expiry 3.0 s): fenced',
      },
    ]);
    expect(plan.held).toEqual([]);
  });
});

describe('planFloatingIPs: IPv6 floating IPs', () => {
  const v6 = (ifname: string, cidr: string): ObservedAddress => ({
    ...addr(ifname, cidr),
    label: undefined,
  });
  const base = [
    addr('eth0', '10.0.1.10/24'),
    v6('eth0', '2001:db8:1::10/64'),
    v6('eth1', '2001:db8:2::10/64'),
    v6('eth1', '2001:db8:2::7/128'),
  ];
  const fips = ['10.0.1.100', '2001:db8:1::100', '2001:db8:2::100', '2001:db8:9::1'];

  it('adds an IPv6 floating IP without a label on the interface of its /64, IPv4 beside it labelled', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '10.0.1.100': 'node-a', '2001:db8:1::100': 'node-a', '2001:db8:2::100': 'node-a' },
      floatingIPs: fips,
      observed: base,
    });
    expect(plan.actions).toEqual([
      { kind: 'add', ip: '10.0.1.100', ifname: 'eth0', label: 'eth0:bgplb' },
      { kind: 'add', ip: '2001:db8:1::100', ifname: 'eth0', label: undefined },
      { kind: 'add', ip: '2001:db8:2::100', ifname: 'eth1', label: undefined },
    ]);
  });

  it('owns a /128 listed as a floating IP, never another /128 nor the node address', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '2001:db8:1::100': 'node-b' },
      floatingIPs: fips,
      observed: [...base, v6('eth0', '2001:db8:1::100/128')],
    });
    expect(plan.owned.map((a) => a.ip)).toEqual(['2001:db8:1::100']);
    expect(plan.actions).toEqual([
      {
        kind: 'remove',
        ip: '2001:db8:1::100',
        ifname: 'eth0',
        prefixLen: 128,
        reason: 'floating IP 2001:db8:1::100 is assigned to node node-b, not node-a',
      },
    ]);
  });

  it('keeps an IPv6 floating IP that is there already, and reports one no /64 holds', () => {
    const plan = planFloatingIPs({
      node: 'node-a',
      assignments: { '2001:db8:1::100': 'node-a', '2001:db8:9::1': 'node-a' },
      floatingIPs: fips,
      observed: [...base, v6('eth0', '2001:db8:1::100/128')],
    });
    expect(plan.actions).toEqual([]);
    expect(plan.held).toEqual(['2001:db8:1::100']);
    expect(plan.problems.get('2001:db8:9::1')).toBe(
      'no interface on node node-a has an address in the subnet of floating IP 2001:db8:9::1',
    );
  });

  it('finds the subnet in the same family only', () => {
    const anyV6 = [v6('eth2', '::/0'), addr('eth3', '0.0.0.0/0')];
    expect(interfaceForSubnet('10.0.1.100', anyV6, new Set())).toBe('eth3');
    expect(interfaceForSubnet('2001:db8:2::8', anyV6, new Set())).toBe('eth2');
    expect(interfaceForSubnet('2001:db8:2::8', base, new Set())).toBe('eth1');
  });
});
