import type { z } from 'zod';
import { isKnownKind, type KnownKind, RESOURCES } from './constants.js';
import { objectRef, type ParseResult, parseWith } from './parse-with.js';
import { problem } from './problems.js';
import { BGPAdvertisedRoute } from './schemas/bgp-advertised-route.js';
import { BGPLoadBalancer } from './schemas/bgp-load-balancer.js';
import { BGPPeer } from './schemas/bgp-peer.js';
import { BGPSession } from './schemas/bgp-session.js';
import { Cluster } from './schemas/cluster.js';
import { NetworkGatewayGroup } from './schemas/network-gateway-group.js';

/** The zod schema of each kind. */
export const SCHEMAS = {
  Cluster,
  NetworkGatewayGroup,
  BGPLoadBalancer,
  BGPPeer,
  BGPSession,
  BGPAdvertisedRoute,
} as const satisfies Record<KnownKind, z.ZodType>;

/** Object type of each kind, e.g. `KindMap['BGPPeer']`. */
export type KindMap = { [K in KnownKind]: z.infer<(typeof SCHEMAS)[K]> };
/** Any object of one of our kinds. */
export type KnownObject = KindMap[KnownKind];

/** Parses a Cluster (defaults: `type: layer2`, `controlPlaneLBPort: 443`, `addressPools: []`). */
export const parseCluster = (input: unknown): ParseResult<Cluster> => parseWith(Cluster, input);
/** Parses a NetworkGatewayGroup. */
export const parseNetworkGatewayGroup = (input: unknown): ParseResult<NetworkGatewayGroup> =>
  parseWith(NetworkGatewayGroup, input);
/** Parses a BGPLoadBalancer. */
export const parseBGPLoadBalancer = (input: unknown): ParseResult<BGPLoadBalancer> =>
  parseWith(BGPLoadBalancer, input);
/** Parses a BGPPeer (default `sessions: 1`). */
export const parseBGPPeer = (input: unknown): ParseResult<BGPPeer> => parseWith(BGPPeer, input);
/** Parses a BGPSession. */
export const parseBGPSession = (input: unknown): ParseResult<BGPSession> => parseWith(BGPSession, input);
/** Parses a BGPAdvertisedRoute (default `metric: 0`). */
export const parseBGPAdvertisedRoute = (input: unknown): ParseResult<BGPAdvertisedRoute> =>
  parseWith(BGPAdvertisedRoute, input);
/**
 * Parses any object of our kinds, chosen by its `kind`. A known kind with the wrong `apiVersion`
 * and an unknown kind are refused with a message that says so.
 */
export function parseObject(input: unknown): ParseResult<KnownObject> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [problem([], 'expected a Kubernetes object (a mapping with apiVersion and kind)')],
    };
  }
  const { kind, apiVersion } = input as { kind?: unknown; apiVersion?: unknown };
  const object = objectRef(input);
  if (!isKnownKind(kind)) {
    const known = Object.keys(RESOURCES).join(', ');
    return {
      ok: false,
      problems: [
        problem(['kind'], `unknown kind ${JSON.stringify(kind)} (known: ${known})`, 'error', object),
      ],
    };
  }
  const expected = RESOURCES[kind].apiVersion;
  if (apiVersion !== expected) {
    const got = apiVersion === undefined ? 'it is missing' : `got ${JSON.stringify(apiVersion)}`;
    return {
      ok: false,
      problems: [
        problem(['apiVersion'], `${kind} must have apiVersion ${expected}, ${got}`, 'error', object),
      ],
    };
  }
  return parseWith(SCHEMAS[kind] as z.ZodType<KnownObject>, input, object);
}
