/**
 * The address-family settings every session of ours gets, from its local address (the one rule
 * for the agent's service sessions and the control-plane advertiser's):
 * - both families offered (ipv4-unicast, ipv6-unicast, each with ADD-PATH and GR): the peer
 *   decides which it carries, and the speaker sends each family only where negotiated, so an
 *   IPv4 session can carry IPv6 VIPs and the other way round;
 * - on an IPv6 session, RFC 8950 offered with the session's local address as the IPv6 next hop
 *   of IPv4 VIPs (the simplest rule that is true: it is an address of this node the router
 *   reaches on that link); without it at the peer, IPv4 VIPs keep their IPv4 next hops;
 * - the BGP identifier: the local address when IPv4, else its last 32 bits (bgp-fsm's default).
 */
import { isIPv6 } from 'node:net';
import { ALL_FAMILIES, defaultRouterId } from '@bgplb/bgp-fsm';
import type { PeerOptions } from './speaker-types.js';

export type PeerFamilySettings = Required<Pick<PeerOptions, 'families' | 'routerId'>> &
  Pick<PeerOptions, 'extendedNextHop'>;

export function peerFamilySettings(localAddress: string): PeerFamilySettings {
  const out: PeerFamilySettings = { families: [...ALL_FAMILIES], routerId: defaultRouterId(localAddress) };
  if (isIPv6(localAddress)) out.extendedNextHop = localAddress;
  return out;
}
