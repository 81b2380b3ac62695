/**
 * Which paths of an IPv4 prefix one session may send, by the family of their next hops
 * (RFC 8950, Extended Next Hop Encoding). IPv6 prefixes always have IPv6 next hops (the speaker
 * refuses others), so only IPv4 prefixes need this:
 *
 * - without RFC 8950 negotiated, paths with an IPv6 next hop are left out (the peer could not
 *   read them);
 * - with it, and an IPv6 `extendedNextHop` of our own configured, the IPv4 next hops are replaced
 *   by that one address: one path, with the attributes of the path the selector picks (the peer
 *   reaches the IPv4 next hops only over IPv4, which an IPv6-only link lacks);
 * - with it and none of our own, the paths go as they are (IPv4 next hops in NEXT_HOP, IPv6 ones
 *   in MP_REACH_NLRI).
 */
import type { PathSpec } from './paths.js';

const isIpv6NextHop = (p: PathSpec) => p.nextHop.includes(':');

/** Frozen copies of interned paths with another next hop, shared so packing still groups by identity. */
export class NextHopRewriter {
  private readonly copies = new WeakMap<PathSpec, PathSpec>();

  constructor(readonly nextHop: string) {}

  rewrite(path: PathSpec): PathSpec {
    let copy = this.copies.get(path);
    if (copy === undefined) {
      copy = Object.freeze({ ...path, nextHop: this.nextHop });
      this.copies.set(path, copy);
    }
    return copy;
  }
}

/**
 * The paths of an IPv4 prefix for one session. `pick` chooses among IPv4-next-hop paths when
 * they collapse into our own IPv6 next hop. Returns `paths` itself when nothing changes.
 */
export function ipv4PrefixPaths(
  paths: readonly PathSpec[],
  extendedNextHopNegotiated: boolean,
  own: NextHopRewriter | undefined,
  pick: (paths: readonly PathSpec[]) => PathSpec | undefined,
): readonly PathSpec[] {
  const anyIpv6 = paths.some(isIpv6NextHop);
  if (!extendedNextHopNegotiated) return anyIpv6 ? paths.filter((p) => !isIpv6NextHop(p)) : paths;
  if (own === undefined) return paths;
  const ipv4 = anyIpv6 ? paths.filter((p) => !isIpv6NextHop(p)) : paths;
  if (ipv4.length === 0) return paths;
  const out = anyIpv6 ? paths.filter(isIpv6NextHop) : [];
  // A path of the caller's with our own IPv6 next hop wins over the rewritten one.
  if (out.some((p) => p.nextHop === own.nextHop)) return out;
  const chosen = ipv4.length === 1 ? ipv4[0] : pick(ipv4);
  if (chosen !== undefined) out.push(own.rewrite(chosen));
  return out;
}
