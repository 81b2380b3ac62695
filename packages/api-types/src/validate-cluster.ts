import { parseObject } from './parse.js';
import { objectRef, type ParseResult } from './parse-with.js';
import { type Problem, problem } from './problems.js';
import { misplacedClusterKeys, validateCluster } from './rules/cluster-rules.js';
import { validateGatewayGroup, validatePeers, validatePlacement } from './rules/networking-rules.js';
import { clusterNamespace, ref } from './rules/shared.js';
import type { BGPLoadBalancer } from './schemas/bgp-load-balancer.js';
import type { BGPPeer } from './schemas/bgp-peer.js';
import type { Cluster } from './schemas/cluster.js';
import type { NetworkGatewayGroup } from './schemas/network-gateway-group.js';

/**
 * The objects of one cluster, as plain objects (e.g. from the Kubernetes API). `bgpPeers` are the
 * BGPPeer objects of the cluster namespace.
 */
export interface ClusterObjects {
  cluster: unknown;
  networkGatewayGroup?: unknown;
  bgpLoadBalancer?: unknown;
  bgpPeers: readonly unknown[];
}

/** The same objects after parsing (defaults applied); a field is absent when its object was invalid. */
export interface ParsedClusterObjects {
  /** True when there is no `error` problem. */
  ok: boolean;
  problems: Problem[];
  cluster?: Cluster;
  networkGatewayGroup?: NetworkGatewayGroup;
  bgpLoadBalancer?: BGPLoadBalancer;
  /** The BGPPeers that parsed, in input order. */
  bgpPeers: BGPPeer[];
}

function parseAs<T>(input: unknown, kind: string, problems: Problem[]): T | undefined {
  const result: ParseResult<unknown> = parseObject(input);
  if (!result.ok) {
    problems.push(...result.problems);
    return undefined;
  }
  const value = result.value as { kind: string };
  if (value.kind !== kind) {
    problems.push(problem(['kind'], `expected a ${kind} here, got ${value.kind}`, 'error', objectRef(input)));
    return undefined;
  }
  return result.value as T;
}

/**
 * Parses and validates the objects of one cluster: shape (zod) plus every semantic rule (ASNs,
 * eBGP only, IPv4 only, pools, VIPs, floating IPs, node peering, names and namespaces, sessions).
 * Returns the parsed objects with defaults applied and the problems, each with field path and
 * `Kind/name`. `cluster` may be undefined when validating loose objects (e.g. a file of BGPPeers).
 */
export function parseClusterObjects(
  objects: Omit<ClusterObjects, 'cluster'> & { cluster?: unknown },
  options: ParseClusterOptions = {},
): ParsedClusterObjects {
  const complete = options.complete ?? true;
  const problems: Problem[] = [];
  const cluster =
    objects.cluster === undefined ? undefined : parseAs<Cluster>(objects.cluster, 'Cluster', problems);
  if (objects.cluster !== undefined)
    problems.push(...misplacedClusterKeys(objects.cluster, objectRef(objects.cluster)));
  const ngg =
    objects.networkGatewayGroup === undefined
      ? undefined
      : parseAs<NetworkGatewayGroup>(objects.networkGatewayGroup, 'NetworkGatewayGroup', problems);
  const bgplb =
    objects.bgpLoadBalancer === undefined
      ? undefined
      : parseAs<BGPLoadBalancer>(objects.bgpLoadBalancer, 'BGPLoadBalancer', problems);
  const peers: BGPPeer[] = [];
  for (const input of objects.bgpPeers) {
    const peer = parseAs<BGPPeer>(input, 'BGPPeer', problems);
    if (peer !== undefined) peers.push(peer);
  }
  if (cluster !== undefined) {
    const object = ref('Cluster', cluster.metadata.name);
    problems.push(...validateCluster(cluster, object, hasType(objects.cluster)));
    if (objects.networkGatewayGroup === undefined && complete) {
      problems.push(
        problem(
          [],
          `no NetworkGatewayGroup "default" in namespace ${clusterNamespace(cluster)}: Services get no BGP session until one lists floating IPs`,
          'warning',
          object,
        ),
      );
    }
  }
  if (ngg !== undefined)
    problems.push(...validateGatewayGroup(ngg, cluster, ref('NetworkGatewayGroup', ngg.metadata.name)));
  if (bgplb !== undefined) {
    const object = ref('BGPLoadBalancer', bgplb.metadata.name);
    problems.push(...validatePlacement('BGPLoadBalancer', bgplb.metadata, clusterNamespace(cluster), object));
  }
  // A peer that did not parse might be the one the selector wants: do not also warn about the selector.
  const allPeersParsed = peers.length === objects.bgpPeers.length;
  problems.push(...validatePeers(peers, cluster, ngg, bgplb, complete && allPeersParsed));
  const result: ParsedClusterObjects = {
    ok: !problems.some((p) => p.severity === 'error'),
    problems,
    bgpPeers: peers,
  };
  if (cluster !== undefined) result.cluster = cluster;
  if (ngg !== undefined) result.networkGatewayGroup = ngg;
  if (bgplb !== undefined) result.bgpLoadBalancer = bgplb;
  return result;
}

/** Options of {@link parseClusterObjects}. */
export interface ParseClusterOptions {
  /**
   * False when some objects could not be read (e.g. a YAML syntax error in their document): then
   * "missing object" warnings (no NetworkGatewayGroup, a selector that matches nothing) are left out.
   * Default true.
   */
  complete?: boolean;
}

function hasType(input: unknown): boolean {
  const lb = (input as { spec?: { loadBalancer?: Record<string, unknown> } }).spec?.loadBalancer;
  return lb !== undefined && lb.type !== undefined;
}

/**
 * Validates the objects of one cluster as they come from the Kubernetes API. Returns the problems
 * (empty when valid); `error` problems mean the change must be refused. See {@link parseClusterObjects}.
 */
export function validateClusterObjects(objects: ClusterObjects): Problem[] {
  if (objects.cluster === undefined || objects.cluster === null) {
    return [problem([], 'no Cluster: the networking objects of a cluster are validated against its Cluster')];
  }
  return parseClusterObjects(objects).problems;
}
