import { describe, expect, it } from 'vitest';
import { hostAddresses } from './host-addresses.js';

const IP_JSON = JSON.stringify([
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK', 'UP'],
    addr_info: [
      { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
      { family: 'inet6', local: '::1', prefixlen: 128, scope: 'host' },
    ],
  },
  {
    ifindex: 2,
    ifname: 'eth0',
    // NO-CARRIER: getifaddrs leaves this interface out; iproute2 lists its addresses.
    flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
    addr_info: [
      { family: 'inet', local: '198.51.100.77', prefixlen: 24, label: 'eth0' },
      { family: 'inet6', local: '2001:db8:77::7', prefixlen: 64, scope: 'global', tentative: true },
      { family: 'inet6', local: 'fe80::7', prefixlen: 64, scope: 'link' },
    ],
  },
]);

describe('hostAddresses', () => {
  it("lists iproute2's addresses of both families with their interface and states, carrier or not, and libuv's", () => {
    const addresses = hostAddresses(() => IP_JSON);
    expect(addresses).toContainEqual({
      ifname: 'eth0',
      ip: '198.51.100.77',
      label: 'eth0',
      states: undefined,
    });
    expect(addresses).toContainEqual({
      ifname: 'eth0',
      ip: '2001:db8:77::7',
      label: undefined,
      states: ['tentative'],
    });
    expect(addresses.map((a) => a.ip)).toContain('127.0.0.1');
    // Link-local and loopback IPv6 addresses are never a node's address.
    expect(addresses.map((a) => a.ip).filter((ip) => ip === '::1' || ip.startsWith('fe80:'))).toEqual([]);
    const ips = addresses.map((a) => a.ip);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it("falls back to libuv's list when `ip` fails or prints something else", () => {
    const failing = hostAddresses(() => {
      throw new Error('spawnSync ip ENOENT');
    });
    expect(failing).toContainEqual({ ifname: 'lo', ip: '127.0.0.1' });
    expect(failing.map((a) => a.ip).filter((ip) => ip === '::1' || ip.startsWith('fe80:'))).toEqual([]);
    expect(hostAddresses(() => 'not json')).toEqual(failing);
  });
});
