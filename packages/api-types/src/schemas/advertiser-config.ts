import { Asn, BfdSettings, BGPTimers, IPAddress } from './session-primitives.js';
import * as z from './zod-mini.js';

/** One peer of the advertiser; its timers override the file-wide ones. */
export const AdvertiserPeer = z.strictObject({
  peerIP: IPAddress.check(z.describe('Address of the peer.')),
  /** Must differ from `localASN` (eBGP only). */
  peerASN: Asn.check(z.describe('Must differ from `localASN` (eBGP only).')),
  ...BGPTimers.shape,
  /** BFD to this peer (an extension); absent = off. */
  bfd: z.optional(BfdSettings),
});
export type AdvertiserPeer = z.infer<typeof AdvertiserPeer>;

/**
 * The `bgpadvertiser --config` file:
 * ```yaml
 * localIP: 21.0.101.64
 * localASN: 4273481990
 * peers:
 * - peerIP: 21.0.101.80
 *   peerASN: 4273481989
 * ```
 * Optional `holdTime`, `keepaliveTime`, `connectRetryTime` at top level (all peers) or per peer;
 * optional `bfd` per peer (an extension: BFD to that peer, see docs/bfd.md); optional
 * `localIPOtherFamily` (an extension: this node's address of the other family, for dual stack).
 */
export const AdvertiserConfig = z.strictObject({
  localIP: IPAddress.check(z.describe('Source address of the sessions and next hop announced.')),
  /**
   * Extension (dual stack): this node's address of the other family than localIP. Sessions to
   * peers of that family start from it, and it is the next hop of a VIP of that family.
   */
  localIPOtherFamily: z
    .optional(IPAddress)
    .check(
      z.describe(
        "Extension (dual stack): this node's address of the other family; source of the sessions to peers of that family and next hop of a VIP of that family.",
      ),
    ),
  localASN: Asn.check(z.describe('Our AS number.')),
  peers: z.array(AdvertiserPeer).check(z.minLength(1), z.describe('Peers to announce to.')),
  ...BGPTimers.shape,
});
export type AdvertiserConfig = z.infer<typeof AdvertiserConfig>;
