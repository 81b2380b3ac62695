/**
 * IPv6 floating IPs on real interfaces (network namespaces; needs root and ndptool): the address
 * IpAddressManager adds is usable at once and never the node's own source address, and its
 * unsolicited neighbor advertisements move a router's neighbour entry to the new holder's MAC.
 * The control step (a move without announcement leaves the entry on the old holder) is what makes
 * the announcement step able to fail. The kernel sends no NA of its own here: its one NA on add
 * (net.ipv6.conf.*.ndisc_notify=1) comes only after duplicate address detection, which `nodad`
 * skips (docs/agent.md, "IPv6 floating IPs").
 */
import { type Host, Lab, labSkipReason, run, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, type CommandRunner, IpAddressManager } from './ip-addresses.js';

const skip = labSkipReason({ frr: false, ndptool: true });
if (skip) console.warn(`skipping IPv6 floating-IP netns test: ${skip}`);

const FIP = '2001:db8:1::100';

/** Runs the manager's commands inside `host`'s namespace, as the agent runs them on its node. */
function inHost(host: Host): CommandRunner {
  return async (cmd, args, timeoutMs) => {
    try {
      return (await run('ip', ['netns', 'exec', host.ns, cmd, ...args], timeoutMs)).stdout;
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new CommandFailedError([cmd, ...args].join(' '), e.stderr ?? e.message, err);
    }
  };
}

async function mac(host: Host, ifname: string): Promise<string> {
  const [link] = await host.ipJson<{ address: string }[]>('link', 'show', 'dev', ifname);
  return link!.address;
}

/** The router's neighbour entry for the floating IP: its MAC, or undefined. */
async function routerEntry(router: Host): Promise<string | undefined> {
  const entries = await router.ipJson<{ lladdr?: string }[]>('-6', 'neigh', 'show', FIP);
  return entries[0]?.lladdr;
}

describe.skipIf(skip)('IPv6 floating IPs: /128 nodad, unsolicited NA (netns; needs root, ndptool)', () => {
  let lab: Lab;
  let router: Host;
  let a: Host;
  let b: Host;
  let aIf: string;
  let bIf: string;

  beforeAll(async () => {
    lab = Lab.create('v6e2ena');
    const sw = await lab.addSwitch('l2');
    router = await lab.addHost('r');
    a = await lab.addHost('a');
    b = await lab.addHost('b');
    // The kernel's own NA on address add (ndisc_notify) stays off unless a test turns it on.
    for (const h of [router, a, b]) {
      await h.sysctl('net.ipv6.conf.all.ndisc_notify', 0);
      await h.sysctl('net.ipv6.conf.default.ndisc_notify', 0);
    }
    const rIf = await lab.attach(router, sw);
    aIf = await lab.attach(a, sw);
    bIf = await lab.attach(b, sw);
    await router.ip('addr', 'add', '2001:db8:1::1/64', 'dev', rIf, 'nodad');
    await a.ip('addr', 'add', '2001:db8:1::11/64', 'dev', aIf, 'nodad');
    await b.ip('addr', 'add', '2001:db8:1::12/64', 'dev', bIf, 'nodad');
  }, 30_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('moves the router to the new holder with unsolicited NAs; without them it stays on the old one', async () => {
    const onA = new IpAddressManager({ run: inHost(a) });
    const onB = new IpAddressManager({ run: inHost(b), naIntervalMs: 200 });
    const [macA, macB] = [await mac(a, aIf), await mac(b, bIf)];

    expect(await onA.add({ ip: FIP, ifname: aIf })).toBe(true);
    expect(await onA.add({ ip: FIP, ifname: aIf })).toBe(false); // already there: not an error
    // Usable at once (nodad: never "tentative"), and never the source of A's own connections.
    const [addr] = (await a.ipJson<{ addr_info: Record<string, unknown>[] }[]>('addr', 'show', 'dev', aIf))
      .flatMap((l) => l.addr_info)
      .filter((i) => i.local === FIP);
    expect(addr).toMatchObject({ prefixlen: 128, nodad: true, deprecated: true });
    expect(addr?.tentative).toBeUndefined();
    expect(await a.ip('-6', 'route', 'get', '2001:db8:1::1')).toMatch(/src 2001:db8:1::11 /);
    expect((await onA.list()).find((x) => x.ip === FIP)).toMatchObject({ ifname: aIf, prefixLen: 128 });

    await router.exec('ping', ['-6', '-c', '1', '-W', '3', FIP]);
    expect(await routerEntry(router)).toBe(macA);

    // The move, without an announcement: the router keeps the old holder (reachable for ~30 s).
    expect(await onA.remove({ ip: FIP, ifname: aIf, prefixLen: 128 })).toBe(true);
    expect(await onB.add({ ip: FIP, ifname: bIf })).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await routerEntry(router)).toBe(macA);

    // The announcement: the router's entry points at B, and traffic reaches B.
    await onB.announce(FIP, bIf);
    await waitFor('the router to learn the new holder of the floating IP', async () => {
      return (await routerEntry(router)) === macB;
    });
    await router.exec('ping', ['-6', '-c', '1', '-W', '3', FIP]);
    expect(await routerEntry(router)).toBe(macB);
  }, 60_000);
});
