import { z } from 'zod';
import { API_VERSION } from '../constants.js';
import { ConfigStatus, ObjectMeta } from './primitives.js';

/** `spec` of the BGPLoadBalancer: BGPPeers whose labels include all of `peerSelector` serve Services. */
export const BGPLoadBalancerSpec = z.strictObject({
  peerSelector: z.record(z.string(), z.string()).describe('Labels a BGPPeer must carry to serve Services.'),
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
