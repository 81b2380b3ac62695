import { describe, expect, it } from 'vitest';
import { CommandFailedError, type CommandRunner, execRunner, IpAddressManager } from './ip-addresses.js';

function recorder(fail?: (line: string) => string | undefined): { run: CommandRunner; lines: string[] } {
  const lines: string[] = [];
  const run: CommandRunner = async (cmd, args) => {
    const line = [cmd, ...args].join(' ');
    lines.push(line);
    const stderr = fail?.(line);
    if (stderr !== undefined) throw new CommandFailedError(line, stderr);
    return line.startsWith('ip -j')
      ? JSON.stringify([
          {
            ifname: 'eth0',
            flags: ['UP'],
            addr_info: [{ family: 'inet', local: '10.0.1.10', prefixlen: 24 }],
          },
        ])
      : '';
  };
  return { run, lines };
}

describe('IpAddressManager', () => {
  it('runs exactly the documented commands', async () => {
    const { run, lines } = recorder();
    const m = new IpAddressManager({ run });
    expect(await m.list()).toEqual([
      { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: undefined, up: true },
    ]);
    expect(await m.add({ ip: '10.0.1.100', ifname: 'eth0', label: 'eth0:bgplb' })).toBe(true);
    await m.add({ ip: '10.0.1.101', ifname: 'enp129s0f1np1' });
    expect(await m.remove({ ip: '10.0.1.100', ifname: 'eth0', prefixLen: 32 })).toBe(true);
    await m.announce('10.0.1.100', 'eth0');
    expect(lines).toEqual([
      'ip -j addr show',
      'ip addr add 10.0.1.100/32 dev eth0 label eth0:bgplb',
      'ip addr add 10.0.1.101/32 dev enp129s0f1np1',
      'ip addr del 10.0.1.100/32 dev eth0',
      'arping -U -c 3 -I eth0 10.0.1.100',
    ]);
  });

  it('treats "already there" and "already gone" as success, other failures as errors', async () => {
    const { run } = recorder((line) =>
      line.includes('add 10.0.1.100')
        ? 'RTNETLINK answers: File exists'
        : line.includes('del 10.0.1.100')
          ? 'RTNETLINK answers: Cannot assign requested address'
          : line.includes('10.0.1.101')
            ? 'RTNETLINK answers: Operation not permitted'
            : undefined,
    );
    const m = new IpAddressManager({ run });
    expect(await m.add({ ip: '10.0.1.100', ifname: 'eth0' })).toBe(false);
    expect(await m.remove({ ip: '10.0.1.100', ifname: 'eth0', prefixLen: 32 })).toBe(false);
    await expect(m.add({ ip: '10.0.1.101', ifname: 'eth0' })).rejects.toThrow(
      '`ip addr add 10.0.1.101/32 dev eth0` failed: RTNETLINK answers: Operation not permitted',
    );
    await expect(m.remove({ ip: '10.0.1.101', ifname: 'eth0', prefixLen: 32 })).rejects.toThrow(
      /Operation not permitted/,
    );
  });

  it("treats iproute2's newer wording of an existing address as already there", async () => {
    const { run } = recorder((line) =>
      line.includes('add') ? 'Error: ipv4: Address already assigned.' : undefined,
    );
    expect(await new IpAddressManager({ run }).add({ ip: '10.0.0.8', ifname: 'lo' })).toBe(false);
  });

  it('adds an IPv6 address as /128 nodad preferred_lft 0 without label, and announces it with unsolicited NAs', async () => {
    const { run, lines } = recorder();
    const m = new IpAddressManager({ run, naIntervalMs: 1 });
    await m.add({ ip: '2001:db8:1::100', ifname: 'eth0', label: 'eth0:bgplb' });
    await m.remove({ ip: '2001:db8:1::100', ifname: 'eth0', prefixLen: 128 });
    await m.announce('2001:db8:1::100', 'eth0');
    expect(lines).toEqual([
      'ip addr add 2001:db8:1::100/128 dev eth0 nodad preferred_lft 0',
      'ip addr del 2001:db8:1::100/128 dev eth0',
      ...Array(3).fill('ndptool -t na -U -i eth0 -T 2001:db8:1::100 send'),
    ]);
  });

  it('spaces the unsolicited NAs by the interval and stops at the first failure', async () => {
    const times: number[] = [];
    const { run } = recorder((line) => {
      times.push(performance.now());
      return times.length === 2 && line.startsWith('ndptool') ? 'ndptool: Failed to send' : undefined;
    });
    const m = new IpAddressManager({ run, naIntervalMs: 50 });
    await expect(m.announce('2001:db8:1::100', 'eth0')).rejects.toThrow(/Failed to send/);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
  });

  it('treats the IPv6 wording of an existing address as already there', async () => {
    const { run } = recorder((line) =>
      line.includes('add') ? 'Error: ipv6: address already assigned.' : undefined,
    );
    expect(await new IpAddressManager({ run }).add({ ip: '2001:db8::8', ifname: 'lo' })).toBe(false);
  });

  it('skips gratuitous ARP when the count is 0', async () => {
    const { run, lines } = recorder();
    await new IpAddressManager({ run, arpCount: 0 }).announce('10.0.1.100', 'eth0');
    expect(lines).toEqual([]);
  });

  it('execRunner returns stdout and fails with the program stderr', async () => {
    expect(await execRunner('node', ['-e', 'process.stdout.write("hi")'])).toBe('hi');
    await expect(execRunner('node', ['-e', 'console.error("boom"); process.exit(3)'])).rejects.toThrow(
      '`node -e console.error("boom"); process.exit(3)` failed: boom',
    );
  });
});
