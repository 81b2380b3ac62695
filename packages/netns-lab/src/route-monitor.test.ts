import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseRouteMonitor, RouteMonitor } from './route-monitor.js';

// As iproute2 6.1 prints it with TZ=UTC (tabs before the multipath next hops).
const OUTPUT = [
  '[2026-12-05T11:29:04.604918] 10.0.0.9 proto bgp ',
  '\tnexthop via 10.9.0.2 dev v0 weight 1 ',
  '\tnexthop via 10.9.0.3 dev v0 weight 1 ',
  '[2026-12-05T11:29:04.810877] 10.0.0.9 via 10.9.0.3 dev v0 proto bgp ',
  '[2026-12-05T11:29:05.014616] Deleted 10.0.0.9 via 10.9.0.3 dev v0 proto bgp ',
  '[2026-12-05T11:29:05.100000] 10.0.0.10 nhid 25 via inet6 fe80::1 dev eth0 proto bgp metric 20 ',
  '[2026-12-05T11:29:05.200000] 2001:db8::9 proto bgp metric 20 pref medium',
  '\tnexthop via fe80::a dev eth0 weight 1 ',
  '\tnexthop via fe80::b dev eth0 weight 1 ',
  '[2026-12-05T11:29:05.300000] blackhole 192.0.2.255 ',
  '[2026-12-05T11:29:05.8564', // a partial last line
].join('\n');

describe('parseRouteMonitor', () => {
  const events = parseRouteMonitor(OUTPUT);

  it('reads every change with its time in epoch ms (sub-ms kept)', () => {
    expect(events.map((e) => [e.dst, e.deleted])).toEqual([
      ['10.0.0.9', false],
      ['10.0.0.9', false],
      ['10.0.0.9', true],
      ['10.0.0.10', false],
      ['2001:db8::9', false],
      ['192.0.2.255', false],
    ]);
    expect(events[0]?.t).toBeCloseTo(Date.parse('2026-12-05T11:29:04.604Z') + 0.918, 3);
  });

  it('collects the next hops of a multipath route from its indented lines, of either family', () => {
    expect(events.map((e) => e.gateways)).toEqual([
      ['10.9.0.2', '10.9.0.3'],
      ['10.9.0.3'],
      [],
      ['fe80::1'],
      ['fe80::a', 'fe80::b'],
      [],
    ]);
  });

  it('skips what it does not know', () => {
    expect(parseRouteMonitor('garbage\n\tnexthop via 10.0.0.1\n')).toEqual([]);
  });
});

describe('RouteMonitor', () => {
  /** A monitor fed `text` as if `ip monitor` printed it. */
  function fed(text: string): RouteMonitor {
    const stdout = new EventEmitter();
    const monitor = new RouteMonitor({ stdout, exitCode: null } as unknown as ChildProcess, async () => {});
    stdout.emit('data', Buffer.from(text));
    return monitor;
  }

  const flaps = [
    '[2026-12-05T11:00:00.000000] 10.0.0.9 proto bgp ',
    '\tnexthop via 10.0.1.12 dev eth0 weight 1 ',
    '\tnexthop via 10.0.1.11 dev eth0 weight 1 ',
    '[2026-12-05T11:00:01.000000] 10.0.0.9 via 10.0.1.12 dev eth0 proto bgp ',
    '[2026-12-05T11:00:01.500000] 10.0.0.9 via 10.0.1.12 dev eth0 proto bgp metric 20 ',
    '[2026-12-05T11:00:02.000000] 10.0.0.8 via 10.0.1.12 dev eth0 proto bgp ',
    '[2026-12-05T11:00:03.000000] Deleted 10.0.0.9 via 10.0.1.12 dev eth0 proto bgp ',
    '',
  ].join('\n');
  const at = (s: string) => Date.parse(`2026-12-05T11:00:0${s}Z`);

  it("lists the changes of one prefix's next-hop set, not the events that repeat it", () => {
    const monitor = fed(flaps);
    expect(monitor.nextHopChanges('10.0.0.9/32', at('0'), ['10.0.1.11', '10.0.1.12'])).toEqual([
      { t: at('1'), gateways: ['10.0.1.12'] },
      { t: at('3'), gateways: [] },
    ]);
    // From another starting set, the first event is a change too; earlier events are left out.
    expect(monitor.nextHopChanges('10.0.0.9', at('0'), [])).toHaveLength(3);
    expect(monitor.nextHopChanges('10.0.0.9/32', at('2'), ['10.0.1.12'])).toEqual([
      { t: at('3'), gateways: [] },
    ]);
  });

  it('finds the first change that satisfies a condition', () => {
    const monitor = fed(flaps);
    expect(monitor.firstChange('10.0.0.9/32', at('0'), (hops) => !hops.includes('10.0.1.11'))).toBe(at('1'));
    expect(monitor.firstChange('10.0.0.9/32', at('0'), (hops) => hops.length === 3)).toBeUndefined();
  });
});
