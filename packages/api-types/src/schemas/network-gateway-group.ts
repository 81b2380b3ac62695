import * as z from 'zod';
import { API_VERSION } from '../constants.js';
import { ConfigStatus, IPAddress, ObjectMeta, setOf } from './primitives.js';

/** `spec` of the NetworkGatewayGroup: the floating IPs that service sessions start from. */
export const NetworkGatewayGroupSpec = z.strictObject({
  /** At least one; two or more for HA. IPv4 or IPv6; unique, outside the pools, VIPs and node addresses. */
  floatingIPs: setOf(IPAddress)
    .min(1)
    .describe(
      'At least one; two or more for HA. IPv4 or IPv6; unique, outside the pools, VIPs and node addresses.',
    ),
});
export type NetworkGatewayGroupSpec = z.infer<typeof NetworkGatewayGroupSpec>;

/** Health of a node as the controller sees it. */
export const NodeHealth = z.enum(['Up', 'Down']);
export type NodeHealth = z.infer<typeof NodeHealth>;

/**
 * `status` written by the controller: `floatingIPs` maps each floating IP to the node that holds
 * it (`{"10.0.1.100": "node-01"}`); `nodes` maps node names to `Up`/`Down`.
 */
export const NetworkGatewayGroupStatus = z.looseObject({
  ...ConfigStatus.shape,
  floatingIPs: z
    .record(z.string(), z.string())
    .optional()
    .describe('Floating IP -> name of the node that holds it.'),
  nodes: z.record(z.string(), NodeHealth).optional().describe('Node name -> Up or Down.'),
});
export type NetworkGatewayGroupStatus = z.infer<typeof NetworkGatewayGroupStatus>;

/** `networking.gke.io/v1` NetworkGatewayGroup, named `default`, in the cluster namespace. */
export const NetworkGatewayGroup = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('NetworkGatewayGroup'),
  metadata: ObjectMeta,
  spec: NetworkGatewayGroupSpec,
  status: NetworkGatewayGroupStatus.optional(),
});
export type NetworkGatewayGroup = z.infer<typeof NetworkGatewayGroup>;
