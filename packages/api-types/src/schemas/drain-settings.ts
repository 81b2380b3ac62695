import * as z from './zod-mini.js';

/**
 * Graceful drain (RFC 8326), an extension (SPEC §13): how a draining node's paths are announced
 * before they are withdrawn. One set of fields, spelled the same on the BGPLoadBalancer (the
 * load-balancer nodes, driven by the controller) and on the Cluster's `loadBalancer` (the
 * control-plane advertiser's `--on-exit drain`); each place describes them for its own nodes. In
 * zod's mini API, as the advertiser config that holds them (see session-primitives.ts).
 */
export const DrainSettings = z.strictObject({
  drainDelay: z
    .optional(z.number().check(z.int(), z.gte(0), z.lte(3600)))
    .check(
      z.describe(
        'Seconds a draining node stays announced with GRACEFUL_SHUTDOWN before its paths are withdrawn (default 15; 0 withdraws at once).',
      ),
    ),
  drainMEDIncrease: z
    .optional(z.number().check(z.int(), z.gte(0), z.lte(4294967295)))
    .check(
      z.describe(
        'Added to the MED of a draining next hop, for routers without a graceful-shutdown policy (default 0).',
      ),
    ),
  drainASPathPrepend: z
    .optional(z.number().check(z.int(), z.gte(0), z.lte(10)))
    .check(
      z.describe('Times our AS is prepended again to a draining next hop, for the same routers (default 0).'),
    ),
});
export type DrainSettings = z.infer<typeof DrainSettings>;

/** `drainDelay` when it is not set, seconds. */
export const DEFAULT_DRAIN_DELAY_SECONDS = 15;
