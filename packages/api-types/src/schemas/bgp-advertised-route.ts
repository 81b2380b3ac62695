import * as z from 'zod';
import { API_VERSION } from '../constants.js';
import {
  familyOfValid,
  IPAddress,
  IPPrefix,
  ObjectMeta,
  setOf,
  Timestamp,
  withFamily,
} from './primitives.js';

/** The Service that owns an announced VIP. */
export const ServiceReference = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
});
export type ServiceReference = z.infer<typeof ServiceReference>;

/** The most ready endpoints one next hop's weight counts (a float32 carries it exactly, times the unit). */
export const MAX_NEXT_HOP_WEIGHT = 1_000_000;

/**
 * Link bandwidth per unit of weight (one ready endpoint), in bytes per second: 1 Mbit/s. The
 * link-bandwidth extended community carries bytes per second as a float32; routers divide each
 * path's value by the sum over the multipath set (FRR: weight = 100 x bw / total), so only the
 * ratios matter. 1 Mbit/s makes the value readable where routers show it in Mbps.
 */
export const LINK_BANDWIDTH_PER_ENDPOINT = 125_000;

/**
 * Next hops of a route in the first `drainDelay` of their node's drain (RFC 8326): their paths carry
 * the GRACEFUL_SHUTDOWN community (65535:0), a MED raised by `medIncrease` and our AS prepended
 * `asPathPrepend` more times, then the controller removes them.
 */
export const RouteDrain = z.strictObject({
  nextHops: setOf(IPAddress).describe('Draining next hops (also listed in nextHops).'),
  medIncrease: z.number().int().min(0).max(4294967295).describe('Added to the MED of their paths.'),
  asPathPrepend: z.number().int().min(0).max(10).describe('Extra copies of our AS in their AS_PATH.'),
});
export type RouteDrain = z.infer<typeof RouteDrain>;

/**
 * `spec` of a BGPAdvertisedRoute: one announced VIP (`10.0.0.2/32`) with its next hops (the ready
 * load-balancer nodes; for an `externalTrafficPolicy: Local` Service those with ready endpoints),
 * MED `metric`, owning Service and, for weighted ECMP, each next hop's weight.
 */
export const BGPAdvertisedRouteSpec = z
  .strictObject({
    prefix: IPPrefix.describe('The announced VIP, e.g. 10.0.0.2/32 or 2001:db8::2/128.'),
    metric: z
      .number()
      .int()
      .min(0)
      .max(4294967295)
      .default(0)
      .describe('MULTI_EXIT_DISC sent with the route.'),
    nextHops: setOf(IPAddress).describe(
      "Ready load-balancer nodes announced as next hops: their InternalIP of the prefix's family.",
    ),
    service: ServiceReference.describe('The LoadBalancer Service that owns the VIP.'),
    weights: z
      .record(z.string(), z.number().int().min(1).max(MAX_NEXT_HOP_WEIGHT))
      .optional()
      .describe(
        'Extension: next hop -> its ready local endpoints (externalTrafficPolicy: Local). Each path carries a link-bandwidth extended community of weight x 1 Mbit/s (125000 bytes/s).',
      ),
    drain: RouteDrain.optional().describe(
      'Next hops being drained (an extension): announced with GRACEFUL_SHUTDOWN until withdrawn.',
    ),
  })
  .superRefine((spec, ctx) => {
    const family = familyOfValid(spec.prefix);
    const hop = (ip: string, path: (string | number)[]) => {
      if (familyOfValid(ip) !== family)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `next hop ${withFamily(ip)} is not of the family of prefix ${withFamily(spec.prefix)}: next hops are the nodes' addresses of the prefix's family`,
        });
    };
    spec.nextHops.forEach((ip, i) => {
      hop(ip, ['nextHops', i]);
    });
    spec.drain?.nextHops.forEach((ip, i) => {
      hop(ip, ['drain', 'nextHops', i]);
    });
    if (spec.weights === undefined) return;
    const hops = new Set(spec.nextHops);
    for (const hop of Object.keys(spec.weights)) {
      if (!hops.has(hop))
        ctx.addIssue({
          code: 'custom',
          path: ['weights', hop],
          message: `weight for ${hop}, which is not a next hop`,
        });
    }
    for (const hop of spec.nextHops) {
      if (spec.weights[hop] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['weights'],
          message: `next hop ${hop} has no weight (with weights, every next hop needs one: a router ignores partial weights)`,
        });
    }
  });
export type BGPAdvertisedRouteSpec = z.infer<typeof BGPAdvertisedRouteSpec>;

/**
 * One holder's next-hop liveness entry (an extension, docs/fast-failover.md): the route's next hops
 * it does not announce as the spec says, with why and since when.
 */
export const NextHopLivenessEntry = z.looseObject({
  withheld: z
    .array(
      z.looseObject({
        nextHop: IPAddress,
        state: z.enum(['withdrawn', 'hold-down', 'kept']),
        reason: z.string(),
        since: Timestamp,
      }),
    )
    .describe('Next hops withdrawn (BFD Down), in hold-down, or kept by the self-isolation guard.'),
  isolationSuspected: z.boolean().optional().describe('The holder suspects itself of being cut off.'),
  lastReportTime: Timestamp.optional().describe('When the holder wrote this entry.'),
});
export type NextHopLivenessEntry = z.infer<typeof NextHopLivenessEntry>;

/**
 * One next hop's state as the controller decided it (an extension): `announced`, `draining`
 * (announced with GRACEFUL_SHUTDOWN and the MED / AS-path fallback until drainDelay ends) or
 * `withdrawn`, and why. Every load-balancer node address is listed, so a missing next hop says why.
 */
export const NextHopStatus = z.looseObject({
  nextHop: IPAddress.check(z.describe('A load-balancer node address.')),
  node: z.string().optional().describe('The Node with that InternalIP, when there is one.'),
  state: z.enum(['announced', 'draining', 'withdrawn']),
  reason: z.string().describe('Why, e.g. "node node-04 is cordoned".'),
  community: z.string().optional().describe('Draining: the community its paths carry (65535:0).'),
  medIncrease: z.number().int().min(0).optional().describe('Draining: added to the MED of its paths.'),
  asPathPrepend: z.number().int().min(0).optional().describe('Draining: extra copies of our AS.'),
});
export type NextHopStatus = z.infer<typeof NextHopStatus>;

/** `status`: which BGPSessions carry the route, and when the controller last updated it. */
export const BGPAdvertisedRouteStatus = z.looseObject({
  /** Names of the BGPSession objects the route is announced on. */
  sessions: z
    .array(z.string())
    .optional()
    .describe('Names of the BGPSession objects the route is announced on.'),
  lastUpdateTime: Timestamp.optional().describe('When the controller last changed the route.'),
  nextHopLiveness: z
    .record(z.string(), NextHopLivenessEntry)
    .optional()
    .describe('Extension: per holder node, the next hops it withholds (next-hop liveness).'),
  nextHops: z
    .array(NextHopStatus)
    .optional()
    .describe('Extension: every load-balancer node address, announced, draining or withdrawn, and why.'),
  endpointsOutsidePool: z
    .strictObject({
      endpoints: z.number().int().min(1),
      nodes: z.array(z.string()),
    })
    .optional()
    .describe(
      'Extension (externalTrafficPolicy: Local): ready endpoints on nodes that are not ready load-balancer nodes. They receive no traffic through the VIP.',
    ),
});
export type BGPAdvertisedRouteStatus = z.infer<typeof BGPAdvertisedRouteStatus>;

/** `networking.gke.io/v1` BGPAdvertisedRoute, named `<bgploadbalancer>-<svc namespace>-<svc name>`. */
export const BGPAdvertisedRoute = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BGPAdvertisedRoute'),
  metadata: ObjectMeta,
  spec: BGPAdvertisedRouteSpec,
  status: BGPAdvertisedRouteStatus.optional(),
});
export type BGPAdvertisedRoute = z.infer<typeof BGPAdvertisedRoute>;
