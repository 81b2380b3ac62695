import * as z from 'zod';
import { API_VERSION } from '../constants.js';
import { Asn, BfdSettings, BGPTimers, ConfigStatus, IPAddress, ObjectMeta } from './primitives.js';

/**
 * `spec` of a BGPPeer (service sessions). `sessions` (default 1, minimum 1) is how many sessions to
 * open to the peer, each from a different floating IP. Timers are optional (seconds).
 */
export const BGPPeerSpec = z.strictObject({
  localASN: Asn.check(z.describe('Our AS number on the service sessions.')),
  /** Must differ from `localASN` (eBGP only). */
  peerASN: Asn.check(z.describe('Must differ from `localASN` (eBGP only).')),
  peerIP: IPAddress.check(
    z.describe(
      "Address of the peer, IPv4 or IPv6 (not link-local); it must accept sessions from every floating IP of its family (or, without one, the nodes' InternalIP of its family).",
    ),
  ),
  sessions: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(1)
    .describe('Sessions to open to this peer, each from a different floating IP.'),
  ...BGPTimers.shape,
  /** BFD on the service sessions to this peer (an extension); absent = off. */
  bfd: z.optional(BfdSettings),
});
export type BGPPeerSpec = z.infer<typeof BGPPeerSpec>;

/** `networking.gke.io/v1` BGPPeer, labelled for selection by the BGPLoadBalancer. */
export const BGPPeer = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BGPPeer'),
  metadata: ObjectMeta,
  spec: BGPPeerSpec,
  status: ConfigStatus.optional(),
});
export type BGPPeer = z.infer<typeof BGPPeer>;
