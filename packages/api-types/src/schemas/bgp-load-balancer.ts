import * as z from 'zod';
import { API_VERSION } from '../constants.js';
import { DrainSettings } from './drain-settings.js';
import { ConfigStatus, ObjectMeta } from './primitives.js';

/** How the paths of an `externalTrafficPolicy: Local` Service are weighted (extension, docs/allocation.md). */
// An unquoted off in a file applied with kubectl (YAML 1.1) is the boolean false: the problem
// message says to quote it (problems.ts).
export const WeightedECMP = z.enum(['endpoints', 'off']);
export type WeightedECMP = z.infer<typeof WeightedECMP>;

/** Whether `externalTrafficPolicy: Local` Services get a VIP (extension) or are refused (the spec's rule). */
export const ExternalTrafficPolicyLocal = z.enum(['allow', 'refuse']);
export type ExternalTrafficPolicyLocal = z.infer<typeof ExternalTrafficPolicyLocal>;

/** `spec` of the BGPLoadBalancer: BGPPeers whose labels include all of `peerSelector` serve Services. */
export const BGPLoadBalancerSpec = z.strictObject({
  peerSelector: z.record(z.string(), z.string()).describe('Labels a BGPPeer must carry to serve Services.'),
  weightedECMP: WeightedECMP.optional().describe(
    'Extension: "endpoints" sends each path of an externalTrafficPolicy: Local Service with a link-bandwidth extended community proportional to its node\'s ready endpoints; "off" sends none. Default: the controller\'s --weighted-ecmp (endpoints).',
  ),
  externalTrafficPolicyLocal: ExternalTrafficPolicyLocal.optional().describe(
    'Extension: "allow" (default) announces externalTrafficPolicy: Local Services from the load-balancer nodes that run their endpoints; "refuse" gives them no VIP, as the original product does.',
  ),
  // Graceful drain (RFC 8326), an extension (SPEC §13).
  ...DrainSettings.shape,
});

export type BGPLoadBalancerSpec = z.infer<typeof BGPLoadBalancerSpec>;

/** `networking.gke.io/v1` BGPLoadBalancer, named `default`, in the cluster namespace. */
export const BGPLoadBalancer = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BGPLoadBalancer'),
  metadata: ObjectMeta,
  spec: BGPLoadBalancerSpec,
  status: ConfigStatus.optional(),
});
export type BGPLoadBalancer = z.infer<typeof BGPLoadBalancer>;
