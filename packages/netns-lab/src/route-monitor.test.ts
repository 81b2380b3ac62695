import { describe, expect, it } from 'vitest';
import { parseRouteMonitor } from './route-monitor.js';

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
