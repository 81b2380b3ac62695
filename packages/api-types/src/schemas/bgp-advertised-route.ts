import { z } from 'zod';
import { API_VERSION } from '../constants.js';
import { IPv4Address, IPv4Prefix, ObjectMeta, setOf, Timestamp } from './primitives.js';

/** The Service that owns an announced VIP. */
export const ServiceReference = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
});
export type ServiceReference = z.infer<typeof ServiceReference>;

/**
 * `spec` of a BGPAdvertisedRoute: one announced VIP (`10.0.0.2/32`) with its next hops (the ready
 * load-balancer nodes), MED `metric` and owning Service.
 */
export const BGPAdvertisedRouteSpec = z.strictObject({
  prefix: IPv4Prefix.describe('The announced VIP, e.g. 10.0.0.2/32.'),
  metric: z.number().int().min(0).max(4294967295).default(0).describe('MULTI_EXIT_DISC sent with the route.'),
  nextHops: setOf(IPv4Address).describe('Ready load-balancer nodes announced as next hops.'),
  service: ServiceReference.describe('The LoadBalancer Service that owns the VIP.'),
});
export type BGPAdvertisedRouteSpec = z.infer<typeof BGPAdvertisedRouteSpec>;

/** `status`: which BGPSessions carry the route, and when the controller last updated it. */
export const BGPAdvertisedRouteStatus = z.looseObject({
  /** Names of the BGPSession objects the route is announced on. */
  sessions: z
    .array(z.string())
    .optional()
    .describe('Names of the BGPSession objects the route is announced on.'),
  lastUpdateTime: Timestamp.optional().describe('When the controller last changed the route.'),
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
