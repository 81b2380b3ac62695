import { networkInterfaces } from 'node:os';

/** The IPv4 addresses of this host (every interface, loopback included), to find which node it is. */
export function hostIPv4Addresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);
}
