import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { readGatewayGroup } from './gateway-group.js';

describe('readGatewayGroup', () => {
  it('reads assignments and floating IPs, skipping invalid entries', () => {
    const { log, lines } = captureLogger('warn');
    const view = readGatewayGroup(
      {
        spec: { floatingIPs: ['10.0.1.100', 'bogus', 7] },
        status: { floatingIPs: { '10.0.1.100': 'node-a', nope: 'node-b', '10.0.1.101': 3 } },
      },
      log,
    );
    expect(view).toEqual({
      found: true,
      assignments: { '10.0.1.100': 'node-a' },
      floatingIPs: ['10.0.1.100'],
    });
    expect(lines).toHaveLength(4);
  });

  it('reads IPv6 floating IPs in canonical form (the form `ip -j addr show` prints)', () => {
    const { log, lines } = captureLogger('warn');
    const view = readGatewayGroup(
      {
        spec: { floatingIPs: ['2001:DB8:0::100', '10.0.1.100', '2001:db8::/64', 'fe80::1%eth0'] },
        status: { floatingIPs: { '2001:db8:0:0::100': 'node-a', '10.0.1.100': 'node-b' } },
      },
      log,
    );
    expect(view).toEqual({
      found: true,
      assignments: { '2001:db8::100': 'node-a', '10.0.1.100': 'node-b' },
      floatingIPs: ['2001:db8::100', '10.0.1.100'],
    });
    expect(lines).toHaveLength(2);
    expect(JSON.stringify(lines[0])).toMatch(/not an IPv4 or IPv6 address; ignored/);
  });

  it('reads a missing object as "not found", and an object without fields as found and empty', () => {
    expect(readGatewayGroup(undefined)).toEqual({ found: false, assignments: {}, floatingIPs: [] });
    expect(readGatewayGroup(null)).toEqual({ found: false, assignments: {}, floatingIPs: [] });
    expect(readGatewayGroup({ status: { floatingIPs: null } })).toEqual({
      found: true,
      assignments: {},
      floatingIPs: [],
    });
  });
});
