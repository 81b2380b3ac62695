import { describe, expect, it } from 'vitest';
import { IpAddressManager } from './shared/ip-addresses.js';
import { VipInterface } from './vip-interface.js';

function vipWith(device: string, ip: string, run: (cmd: string, args: readonly string[]) => Promise<string>) {
  return new VipInterface(device, ip, new IpAddressManager({ run }));
}

describe('VipInterface', () => {
  it('adds and removes IP/32 with iproute2, tolerating "already there" and "already gone"', async () => {
    const calls: string[] = [];
    let fail: string | undefined;
    const vip = vipWith('eth0', '10.0.0.8', async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      if (fail) throw new Error(fail);
      return '';
    });
    expect(await vip.add()).toBe(true);
    fail = 'ip addr add 10.0.0.8/32 dev eth0: RTNETLINK answers: File exists';
    expect(await vip.add()).toBe(false);
    fail = 'ip addr del 10.0.0.8/32 dev eth0: RTNETLINK answers: Cannot assign requested address';
    expect(await vip.remove()).toBe(false);
    fail = undefined;
    expect(await vip.remove()).toBe(true);
    expect(calls).toEqual([
      'ip addr add 10.0.0.8/32 dev eth0',
      'ip addr add 10.0.0.8/32 dev eth0',
      'ip addr del 10.0.0.8/32 dev eth0',
      'ip addr del 10.0.0.8/32 dev eth0',
    ]);
  });

  it('reports other failures; a removal from a device that is gone finds nothing to remove', async () => {
    const vip = vipWith('nope0', '10.0.0.8', async () => {
      throw new Error('Cannot find device "nope0"');
    });
    await expect(vip.add()).rejects.toThrow('Cannot find device');
    expect(await vip.remove()).toBe(false);
    const denied = vipWith('eth0', '10.0.0.8', async () => {
      throw new Error('RTNETLINK answers: Operation not permitted');
    });
    await expect(denied.remove()).rejects.toThrow('Operation not permitted');
  });

  it('reads whether the address is on its device from ip -j', async () => {
    const json = JSON.stringify([
      {
        ifname: 'lo',
        flags: ['LOOPBACK', 'UP'],
        addr_info: [
          { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
          { family: 'inet', local: '10.0.0.8', prefixlen: 32 },
        ],
      },
      { ifname: 'eth0', flags: ['UP'], addr_info: [{ family: 'inet', local: '10.0.0.9', prefixlen: 32 }] },
    ]);
    expect(await vipWith('lo', '10.0.0.8', async () => json).present()).toBe(true);
    expect(await vipWith('lo', '10.0.0.9', async () => json).present()).toBe(false);
    expect(await vipWith('lo', '10.0.0.8', async () => '').present()).toBe(false);
  });

  it('an IPv6 VIP is IP/128 (no duplicate address detection), present only as a /128', async () => {
    const json = (prefixlen: number) =>
      JSON.stringify([
        {
          ifname: 'lo',
          flags: ['UP'],
          addr_info: [{ family: 'inet6', local: '2001:db8::8', prefixlen, scope: 'global' }],
        },
      ]);
    const vip = vipWith('lo', '2001:db8::8', async () => json(128));
    expect(vip.cidr).toBe('2001:db8::8/128');
    expect(await vip.present()).toBe(true);
    expect(await vipWith('lo', '2001:db8::8', async () => json(64)).present()).toBe(false);
  });
});
