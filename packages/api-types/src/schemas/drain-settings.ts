import { z } from 'zod';

/**
 * Graceful drain (RFC 8326), an extension (SPEC §13): how a draining node's paths are announced
 * before they are withdrawn. One set of fields, spelled the same on the BGPLoadBalancer (the
 * load-balancer nodes, driven by the controller) and on the Cluster's `loadBalancer` (the
 * control-plane advertiser's `--on-exit drain`); each place describes them for its own nodes.
 */
export const DrainSettings = z.strictObject({
  drainDelay: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .describe(
      'Seconds a draining node stays announced with GRACEFUL_SHUTDOWN before its paths are withdrawn (default 15; 0 withdraws at once).',
    ),
  drainMEDIncrease: z
    .number()
    .int()
    .min(0)
    .max(4294967295)
    .optional()
    .describe(
      'Added to the MED of a draining next hop, for routers without a graceful-shutdown policy (default 0).',
    ),
  drainASPathPrepend: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe('Times our AS is prepended again to a draining next hop, for the same routers (default 0).'),
});
export type DrainSettings = z.infer<typeof DrainSettings>;

/** `drainDelay` when it is not set, seconds. */
export const DEFAULT_DRAIN_DELAY_SECONDS = 15;
