import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { parseIpAddrJson } from './ip-addresses.js';

/**
 * The IPv4 addresses of this host (every interface, loopback included), to find which node it is.
 *
 * `os.networkInterfaces()` (getifaddrs through libuv) leaves out every interface that is not
 * running, so an address whose link has no carrier yet (a node booting, a NIC still negotiating;
 * in a lab, a veth whose peer is not up yet) is missing, and `--cluster-config` would refuse to
 * start with "none of the control-plane node addresses ... is an address of this host". The
 * addresses iproute2 lists (`ip -j -4 addr show`, carrier or not) are added to them; without a
 * working `ip`, the libuv list alone is used.
 */
export function hostIPv4Addresses(
  listWithIp: () => string = () =>
    execFileSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8', timeout: 5_000, stdio: 'pipe' }),
): string[] {
  const found = new Set(
    Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => a.family === 'IPv4')
      .map((a) => a.address),
  );
  try {
    for (const a of parseIpAddrJson(listWithIp())) if (!a.ip.includes(':')) found.add(a.ip);
  } catch {
    // No `ip`, or output it cannot read: what libuv sees is all there is.
  }
  return [...found];
}
