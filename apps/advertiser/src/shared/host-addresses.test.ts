import { describe, expect, it } from 'vitest';
import { hostIPv4Addresses } from './host-addresses.js';

const IP_JSON = JSON.stringify([
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK', 'UP'],
    addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }],
  },
  {
    ifindex: 2,
    ifname: 'eth0',
    // NO-CARRIER: getifaddrs leaves this interface out; iproute2 lists its address.
    flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
    addr_info: [{ family: 'inet', local: '198.51.100.77', prefixlen: 24 }],
  },
]);

describe('hostIPv4Addresses', () => {
  it("adds the addresses iproute2 lists, those of links without carrier included, to libuv's", () => {
    const addresses = hostIPv4Addresses(() => IP_JSON);
    expect(addresses).toContain('198.51.100.77');
    expect(addresses).toContain('127.0.0.1');
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it("falls back to libuv's list when `ip` fails or prints something else", () => {
    const failing = hostIPv4Addresses(() => {
      throw new Error('spawnSync ip ENOENT');
    });
    expect(failing).toContain('127.0.0.1');
    expect(hostIPv4Addresses(() => 'not json')).toEqual(failing);
  });
});
