import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { type ObservedAddress, parseIpAddrJson } from './ip-addresses.js';

/** An address of this host, on the interface that holds it. */
export type HostAddress = Pick<ObservedAddress, 'ifname' | 'ip' | 'label' | 'states'>;

/**
 * The IPv4 and global IPv6 addresses of this host (every interface, IPv4 loopback included), with
 * their interface: which control-plane node this host is, and its address of the other family.
 *
 * `os.networkInterfaces()` (getifaddrs through libuv) leaves out every interface that is not
 * running, so an address whose link has no carrier yet (a node booting, a NIC still negotiating;
 * in a lab, a veth whose peer is not up yet) is missing, and `--cluster-config` would refuse to
 * start with "none of the control-plane node addresses ... is an address of this host". So the
 * list is iproute2's (`ip -j addr show`, carrier or not, with the IPv6 address states), plus what
 * libuv sees that it does not list; without a working `ip`, the libuv list alone. IPv6 link-local
 * and loopback addresses are left out (never a node address nor a next hop).
 */
export function hostAddresses(
  listWithIp: () => string = () =>
    execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8', timeout: 5_000, stdio: 'pipe' }),
): HostAddress[] {
  const found: HostAddress[] = [];
  try {
    for (const { ifname, ip, label, states } of parseIpAddrJson(listWithIp()))
      found.push({ ifname, ip, label, states });
  } catch {
    // No `ip`, or output it cannot read: what libuv sees is all there is.
  }
  const listed = new Set(found.map((a) => a.ip));
  for (const [ifname, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      // libuv gives an IPv6 link-local address its interface as scope id; ::1 is internal.
      const global = a.family === 'IPv4' || (a.scopeid === 0 && !a.internal);
      if (global && !listed.has(a.address)) found.push({ ifname, ip: a.address });
    }
  }
  return found;
}
