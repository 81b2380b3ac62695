import type { AdvertiserConfig } from '@bgplb/api-types/advertiser-config';

/**
 * The next hop of each control-plane VIP: this node's address of the VIP's family (`localIP`, or
 * `localIPOtherFamily` for dual stack). A next hop is of its prefix's family (MP_REACH_NLRI of AFI
 * 2 carries IPv6 next hops; an IPv4 next hop is what a router on an IPv4 session can reach), so a
 * VIP of a family the node has no address of has no next hop and is not announced. Pure.
 */
export const familyOf = (ip: string): 'IPv4' | 'IPv6' => (ip.includes(':') ? 'IPv6' : 'IPv4');

/** This node's address of `vip`'s family, or undefined when it has none. */
export function vipNextHop(config: Pick<AdvertiserConfig, 'localIP' | 'localIPOtherFamily'>, vip: string) {
  return [config.localIP, config.localIPOtherFamily].find(
    (a): a is string => a !== undefined && familyOf(a) === familyOf(vip),
  );
}

/** Why `vip` is not announced (no address of its family), naming the addresses the node has. */
export function noNextHopReason(
  config: Pick<AdvertiserConfig, 'localIP' | 'localIPOtherFamily'>,
  vip: string,
): string {
  const other = config.localIPOtherFamily;
  const has =
    other === undefined
      ? `localIP ${config.localIP} is ${familyOf(config.localIP)}`
      : `localIP ${config.localIP} and localIPOtherFamily ${other} are not ${familyOf(vip)}`;
  return `the VIP ${vip} is ${familyOf(vip)} but ${has}: the VIP is announced with this node's address of its family as next hop (set localIPOtherFamily to this node's ${familyOf(vip)} address)`;
}
