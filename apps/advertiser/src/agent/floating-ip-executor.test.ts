import type { EventSpec } from '@bgplb/kube-runtime';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../shared/index.js';
import type { ObservedAddress } from '../shared/ip-addresses.js';
import { captureLogger } from '../test-support/log-capture.js';
import { FloatingIPExecutor } from './floating-ip-executor.js';
import { planFloatingIPs } from './floating-ip-plan.js';
import { AgentMetrics } from './metrics.js';
import { FakeAddresses } from './test-support/fakes.js';

const NODE: ObservedAddress[] = [{ ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true }];
const LEFTOVER: ObservedAddress = {
  ifname: 'eth0',
  ip: '10.0.1.101',
  prefixLen: 32,
  label: 'eth0:bgplb',
  up: true,
};
const FLOATING = ['10.0.1.100', '10.0.1.101'];

function setup(initial: ObservedAddress[] = NODE) {
  const log: string[] = [];
  const addresses = new FakeAddresses(initial, log);
  const events: EventSpec[] = [];
  const metrics = new AgentMetrics(createRegistry());
  const logs = captureLogger('debug');
  const executor = new FloatingIPExecutor({
    node: 'node-a',
    addresses,
    logger: logs.log,
    metrics,
    events: { record: (e) => events.push(e) },
  });
  const plan = async (assignments: Record<string, string>) =>
    planFloatingIPs({ node: 'node-a', assignments, floatingIPs: FLOATING, observed: await addresses.list() });
  const release = async (ip: string, reason: string) => {
    log.push(`release ${ip}: ${reason}`);
  };
  return { log, addresses, events, metrics, logs, executor, plan, release };
}

describe('FloatingIPExecutor', () => {
  it('moves an IPv6 floating IP: /128 without label, unsolicited NAs, removal on reassignment', async () => {
    const t = setup([...NODE, { ifname: 'eth0', ip: '2001:db8:1::10', prefixLen: 64, up: true }]);
    const fips = ['2001:db8:1::100'];
    const plan = async (holder: string) =>
      planFloatingIPs({
        node: 'node-a',
        assignments: { '2001:db8:1::100': holder },
        floatingIPs: fips,
        observed: await t.addresses.list(),
      });
    expect((await t.executor.apply(await plan('node-a'), t.release)).held).toEqual(new Set(fips));
    await t.executor.apply(await plan('node-b'), t.release);
    expect(t.log).toEqual([
      'ip addr add 2001:db8:1::100/128 dev eth0',
      'ndptool -t na -U -i eth0 -T 2001:db8:1::100 send',
      'release 2001:db8:1::100: floating IP 2001:db8:1::100 is assigned to node node-b, not node-a',
      'ip addr del 2001:db8:1::100/128 dev eth0',
    ]);
    expect(t.executor.heldIPs()).toEqual([]);
  });

  it('releases a leaving address before removing it, then adds the arriving one and announces it', async () => {
    const t = setup([...NODE, LEFTOVER]);
    const round = await t.executor.apply(
      await t.plan({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' }),
      t.release,
    );
    expect(t.log).toEqual([
      'release 10.0.1.101: floating IP 10.0.1.101 is assigned to node node-b, not node-a',
      'ip addr del 10.0.1.101/32 dev eth0',
      'ip addr add 10.0.1.100/32 dev eth0 label eth0:bgplb',
      'arping -U -c 3 -I eth0 10.0.1.100',
    ]);
    expect(round).toEqual({ held: new Set(['10.0.1.100']), problems: new Map(), failures: [] });
    expect(t.executor.heldIPs()).toEqual(['10.0.1.100']);
    expect(t.events.map((e) => `${e.type} ${e.reason} ${e.involved.kind}/${e.involved.name}`)).toEqual([
      'Normal FloatingIPRemoved Node/node-a',
      'Normal FloatingIPAdded Node/node-a',
    ]);
    expect((await t.metrics.floatingIPChanges.get()).values.map((v) => [v.labels.action, v.value])).toEqual([
      ['remove', 1],
      ['add', 1],
    ]);
  });

  it('reports a failed add as a problem of that address, and a failed removal as a failure', async () => {
    const t = setup([...NODE, LEFTOVER]);
    t.addresses.failAdd = new Error('RTNETLINK answers: Operation not permitted');
    t.addresses.remove = async () => {
      throw new Error('RTNETLINK answers: Device or resource busy');
    };
    const round = await t.executor.apply(await t.plan({ '10.0.1.100': 'node-a' }), t.release);
    expect(round.held).toEqual(new Set());
    expect(round.problems).toEqual(
      new Map([
        [
          '10.0.1.100',
          'cannot add floating IP 10.0.1.100 to eth0: RTNETLINK answers: Operation not permitted',
        ],
      ]),
    );
    expect(round.failures).toEqual([
      'cannot remove floating IP 10.0.1.101 from eth0: RTNETLINK answers: Device or resource busy',
    ]);
    expect(t.events.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning FloatingIPFailed']);
  });

  it('logs a plan problem once while it stays the same', async () => {
    const t = setup([]); // no interface in the floating IP's subnet
    for (let i = 0; i < 3; i++) await t.executor.apply(await t.plan({ '10.0.1.100': 'node-a' }), t.release);
    expect(t.events.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning FloatingIPFailed']);
    const why = t.events[0]?.message;
    expect(why).toMatch(/10\.0\.1\.100/);
    expect(t.logs.lines.filter((l) => l.msg === why)).toHaveLength(1);
  });

  it('removeAll takes every owned address off the node and never throws', async () => {
    const t = setup([...NODE, LEFTOVER]);
    await t.executor.apply(await t.plan({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-a' }), t.release);
    t.log.length = 0;
    await t.executor.removeAll(FLOATING, 'agent stopping');
    expect(t.log.sort()).toEqual([
      'ip addr del 10.0.1.100/32 dev eth0',
      'ip addr del 10.0.1.101/32 dev eth0',
    ]);
    expect(t.executor.heldIPs()).toEqual([]);
    t.addresses.list = async () => {
      throw new Error('ip: not found');
    };
    await expect(t.executor.removeAll(FLOATING, 'agent stopping')).resolves.toBeUndefined();
    expect(t.logs.lines.some((l) => String(l.msg).includes('removing floating IPs at shutdown failed'))).toBe(
      true,
    );
  });
});
