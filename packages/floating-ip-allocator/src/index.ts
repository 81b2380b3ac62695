import ipaddr from 'ipaddr.js';

/** True when `ip` lies inside `cidr` (both IPv4 or both IPv6). */
export function inSubnet(ip: string, cidr: string): boolean {
  const addr = ipaddr.parse(ip);
  const [net, bits] = ipaddr.parseCIDR(cidr);
  return addr.kind() === net.kind() && addr.match(net, bits);
}
