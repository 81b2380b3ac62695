/**
 * The IPv6 subnet-router anycast address (RFC 4291 section 2.6.1): the address of a subnet whose
 * host part is all zeros. Routers answer it, so handing it to a Service as a VIP breaks both.
 *
 * Which subnet? A pool entry does not say how the addresses sit on a link, so both readings are
 * reserved: the all-zero host of the entry's own network (a CIDR entry `2001:db8::100/120`
 * reserves `2001:db8::100`), and the all-zero host of every /64 (the IPv6 subnet size of
 * RFC 4291/7421: any address whose interface identifier is zero). A single address (/128) written
 * as a CIDR has no host part of its own, so only the /64 rule applies to it. IPv4 has no such
 * address (its network and broadcast addresses are avoidBuggyIPs' business).
 *
 * The allocator skips these addresses unless the pool sets `allowSubnetRouterAnycast: true`.
 */
import type { NumericRange } from './pool-entry.js';

const INTERFACE_ID_BITS = 64n;
const INTERFACE_ID_MASK = (1n << INTERFACE_ID_BITS) - 1n;

/** True when `value` (inside `range`) is a subnet-router anycast address of the range. */
export function isSubnetRouterAnycast(range: NumericRange, value: bigint): boolean {
  if (range.family !== 6) return false;
  if ((value & INTERFACE_ID_MASK) === 0n) return true;
  return range.prefix !== undefined && range.prefix < 128 && value === range.first;
}

/** Number of subnet-router anycast addresses in `range` (see {@link isSubnetRouterAnycast}). */
export function countSubnetRouterAnycast(range: NumericRange): bigint {
  if (range.family !== 6) return 0n;
  // Multiples of 2^64 in [first, last].
  const below = range.first === 0n ? 0n : ((range.first - 1n) >> INTERFACE_ID_BITS) + 1n;
  const zeroIds = (range.last >> INTERFACE_ID_BITS) + 1n - below;
  const ownNetwork =
    range.prefix !== undefined && range.prefix < 128 && (range.first & INTERFACE_ID_MASK) !== 0n ? 1n : 0n;
  return zeroIds + ownNetwork;
}

/** Every subnet-router anycast address of `range`, when there are at most `limit` (else undefined). */
export function subnetRouterAnycasts(range: NumericRange, limit: number): bigint[] | undefined {
  if (countSubnetRouterAnycast(range) > BigInt(limit)) return undefined;
  const out: bigint[] = [];
  if (range.family !== 6) return out;
  if (range.prefix !== undefined && range.prefix < 128) out.push(range.first);
  let v = ((range.first + INTERFACE_ID_MASK) >> INTERFACE_ID_BITS) << INTERFACE_ID_BITS;
  for (; v <= range.last; v += 1n << INTERFACE_ID_BITS) if (v !== out[0]) out.push(v);
  return out;
}
