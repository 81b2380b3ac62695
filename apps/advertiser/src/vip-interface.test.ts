import { describe, expect, it } from 'vitest';
import { execRunner, VipInterface } from './vip-interface.js';

describe('VipInterface', () => {
  it('adds and removes IP/32 with iproute2, tolerating "already there" and "already gone"', async () => {
    const calls: string[] = [];
    let fail: string | undefined;
    const vip = new VipInterface('eth0', '10.0.0.8', async (cmd, args) => {
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

  it('reports other failures (e.g. no such device)', async () => {
    const vip = new VipInterface('nope0', '10.0.0.8', async () => {
      throw new Error('Cannot find device "nope0"');
    });
    await expect(vip.add()).rejects.toThrow('Cannot find device');
    await expect(vip.remove()).rejects.toThrow('Cannot find device');
  });

  it('reads whether the address is present from ip -j', async () => {
    const vip = new VipInterface('lo', '10.0.0.8', async () =>
      JSON.stringify([
        {
          addr_info: [
            { local: '127.0.0.1', prefixlen: 8 },
            { local: '10.0.0.8', prefixlen: 32 },
          ],
        },
      ]),
    );
    expect(await vip.present()).toBe(true);
    const absent = new VipInterface('lo', '10.0.0.9', async () => '');
    expect(await absent.present()).toBe(false);
  });

  it('runs real commands and reports their stderr', async () => {
    expect((await execRunner('echo', ['hi'])).trim()).toBe('hi');
    await expect(execRunner('sh', ['-c', 'echo nope >&2; exit 3'])).rejects.toThrow(
      'sh -c echo nope >&2; exit 3: nope',
    );
  });
});
