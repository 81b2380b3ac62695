import { findOverlaps, type IPv4Range, ipv4ToNumber, parsePoolEntry, rangeContains } from './address.js';
import { DEFAULT_OBJECT_NAME } from './constants.js';
import { type ParseResult, parseObject } from './parse.js';
import { type PathSegment, type Problem, problem } from './problems.js';
import type { BGPLoadBalancer } from './schemas/bgp-load-balancer.js';
import type { BGPPeer } from './schemas/bgp-peer.js';
import type { Cluster } from './schemas/cluster.js';
import type { NetworkGatewayGroup } from './schemas/network-gateway-group.js';
import { resolveTimers, timerProblems } from './timers.js';

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

const CP_NODES: PathSegment[] = ['spec', 'controlPlane', 'nodePoolSpec', 'nodes'];
const LB: PathSegment[] = ['spec', 'loadBalancer'];

interface PoolRange {
  range: IPv4Range;
  text: string;
  pool: string;
  path: PathSegment[];
}

function ref(kind: string, name: string): string {
  return `${kind}/${name}`;
}

function parseAs<T>(input: unknown, kind: string, problems: Problem[]): T | undefined {
  const result: ParseResult<unknown> = parseObject(input);
  if (!result.ok) {
    problems.push(...result.problems);
    return undefined;
  }
  const value = result.value as { kind: string };
  if (value.kind !== kind) {
    problems.push(
      problem(['kind'], `expected a ${kind} here, got ${value.kind}`, 'error', ref(value.kind, '?')),
    );
    return undefined;
  }
  return result.value as T;
}

/** Reports every address that appears twice in `entries` (at the later occurrence). */
function duplicates(
  entries: ReadonlyArray<{ value: string; path: PathSegment[] }>,
  what: string,
  object: string,
): Problem[] {
  const seen = new Map<string, PathSegment[]>();
  const out: Problem[] = [];
  for (const { value, path } of entries) {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, path);
    else
      out.push(problem(path, `duplicate ${what} ${value} (already at ${pathText(first)})`, 'error', object));
  }
  return out;
}

function pathText(path: readonly PathSegment[]): string {
  return problem(path, '').path;
}

function poolRanges(cluster: Cluster): PoolRange[] {
  const out: PoolRange[] = [];
  cluster.spec.loadBalancer.addressPools.forEach((pool, p) => {
    pool.addresses.forEach((text, a) => {
      const parsed = parsePoolEntry(text);
      if (parsed.ok)
        out.push({
          range: parsed.range,
          text,
          pool: pool.name,
          path: [...LB, 'addressPools', p, 'addresses', a],
        });
    });
  });
  return out;
}

/** Pairs [earlier, later] of pool entries that share addresses (see {@link findOverlaps}). */
function overlappingPairs(ranges: readonly PoolRange[]): Array<[PoolRange, PoolRange]> {
  return findOverlaps(ranges.map((r) => r.range)).map(([a, b]) => [ranges[a]!, ranges[b]!]);
}

/** Addresses that belong to the cluster itself (nodes and VIPs), with what they are. */
function ownAddresses(cluster: Cluster): Map<string, string> {
  const lb = cluster.spec.loadBalancer;
  const out = new Map<string, string>();
  out.set(lb.vips.controlPlaneVIP, 'the control-plane VIP');
  if (lb.vips.ingressVIP !== undefined) out.set(lb.vips.ingressVIP, 'the ingress VIP');
  for (const n of lb.nodePoolSpec?.nodes ?? []) out.set(n.address, 'the address of a load-balancer node');
  for (const n of cluster.spec.controlPlane.nodePoolSpec.nodes)
    out.set(n.address, 'the address of a control-plane node');
  return out;
}

function poolOf(ranges: readonly PoolRange[], address: string): PoolRange | undefined {
  const n = ipv4ToNumber(address);
  return ranges.find((r) => rangeContains(r.range, n));
}

function validateCluster(cluster: Cluster, object: string, typeWritten: boolean): Problem[] {
  const out: Problem[] = [];
  const push = (path: PathSegment[], detail: string, severity: 'error' | 'warning' = 'error') =>
    out.push(problem(path, detail, severity, object));
  const { name, namespace } = cluster.metadata;
  if (namespace !== undefined && namespace !== `cluster-${name}`) {
    push(
      ['metadata', 'namespace'],
      `Cluster "${name}" must be in namespace cluster-${name}, got "${namespace}"`,
    );
  }
  const lb = cluster.spec.loadBalancer;
  if (lb.mode !== 'bundled') {
    push(
      [...LB, 'mode'],
      `mode "${lb.mode}" is not handled by bgplb, which is the bundled load balancer; set mode: bundled`,
    );
  }
  if (lb.type !== 'bgp') {
    push(
      [...LB, 'type'],
      typeWritten
        ? `type "${lb.type}" is not supported: bgplb implements only type: bgp; set type: bgp`
        : 'type is not set and defaults to layer2, which bgplb does not implement; set type: bgp',
    );
  }

  const cpNodes = cluster.spec.controlPlane.nodePoolSpec.nodes;
  const cpAddresses = new Set(cpNodes.map((n) => n.address));
  out.push(
    ...duplicates(
      cpNodes.map((n, i) => ({ value: n.address, path: [...CP_NODES, i, 'address'] })),
      'control-plane node address',
      object,
    ),
  );
  const lbNodes = lb.nodePoolSpec?.nodes ?? [];
  out.push(
    ...duplicates(
      lbNodes.map((n, i) => ({ value: n.address, path: [...LB, 'nodePoolSpec', 'nodes', i, 'address'] })),
      'load-balancer node address',
      object,
    ),
  );

  // Control-plane peers: eBGP only, no duplicates, controlPlaneNodes name real nodes.
  out.push(
    ...duplicates(
      lb.bgpPeers.map((p, i) => ({ value: p.ip, path: [...LB, 'bgpPeers', i, 'ip'] })),
      'peer IP',
      object,
    ),
  );
  const ours = ownAddresses(cluster);
  lb.bgpPeers.forEach((peer, i) => {
    const own = ours.get(peer.ip);
    if (own !== undefined) {
      push(
        [...LB, 'bgpPeers', i, 'ip'],
        `peer IP ${peer.ip} is ${own}: a peer must be a router outside the cluster`,
      );
    }
    if (peer.asn === lb.localASN) {
      push(
        [...LB, 'bgpPeers', i, 'asn'],
        `peer ASN ${peer.asn} equals localASN ${lb.localASN}: bgplb peers over eBGP only, iBGP is not supported`,
      );
    }
    if (peer.controlPlaneNodes?.length === 0) {
      push(
        [...LB, 'bgpPeers', i, 'controlPlaneNodes'],
        `peer ${peer.ip} lists no control-plane node, so no node peers with it; remove the empty list to use all nodes`,
        'warning',
      );
    }
    peer.controlPlaneNodes?.forEach((node, j) => {
      if (!cpAddresses.has(node)) {
        push(
          [...LB, 'bgpPeers', i, 'controlPlaneNodes', j],
          `${node} is not a control-plane node (control-plane nodes: ${[...cpAddresses].join(', ') || 'none'})`,
        );
      }
    });
  });
  const peersForAll = lb.bgpPeers.some((p) => p.controlPlaneNodes === undefined);
  if (!peersForAll) {
    cpNodes.forEach((node, i) => {
      const peered = lb.bgpPeers.some((p) => p.controlPlaneNodes?.includes(node.address));
      if (!peered) {
        push(
          [...CP_NODES, i, 'address'],
          `control-plane node ${node.address} has no BGP peer: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it`,
        );
      }
    });
  }

  // Address pools: unique names, entries that do not overlap, VIPs placed correctly.
  out.push(
    ...duplicates(
      lb.addressPools.map((p, i) => ({ value: p.name, path: [...LB, 'addressPools', i, 'name'] })),
      'pool name',
      object,
    ),
  );
  const ranges = poolRanges(cluster);
  for (const [earlier, later] of overlappingPairs(ranges)) {
    const where =
      earlier.pool === later.pool ? `an earlier entry of the same pool` : `pool "${earlier.pool}"`;
    push(later.path, `${later.text} overlaps ${earlier.text} of ${where}`);
  }
  const { controlPlaneVIP, ingressVIP } = lb.vips;
  const cpPool = poolOf(ranges, controlPlaneVIP);
  if (cpPool !== undefined) {
    push(
      [...LB, 'vips', 'controlPlaneVIP'],
      `control-plane VIP ${controlPlaneVIP} is inside address pool "${cpPool.pool}" (${cpPool.text}); it must be outside every pool`,
    );
  }
  if (cpAddresses.has(controlPlaneVIP) || lbNodes.some((n) => n.address === controlPlaneVIP)) {
    push([...LB, 'vips', 'controlPlaneVIP'], `control-plane VIP ${controlPlaneVIP} is the address of a node`);
  }
  if (ingressVIP !== undefined && poolOf(ranges, ingressVIP) === undefined) {
    const pools = lb.addressPools.map((p) => `"${p.name}"`).join(', ');
    push(
      [...LB, 'vips', 'ingressVIP'],
      `ingress VIP ${ingressVIP} is not inside any address pool (${pools || 'no pools defined'}); it must be taken from one`,
    );
  }
  if (ingressVIP !== undefined && ingressVIP === controlPlaneVIP) {
    push([...LB, 'vips', 'ingressVIP'], `ingress VIP ${ingressVIP} is the same as the control-plane VIP`);
  }
  return out;
}

function validatePlacement(
  kind: string,
  metadata: { name: string; namespace?: string | undefined },
  clusterNamespace: string | undefined,
  object: string,
): Problem[] {
  const out: Problem[] = [];
  if (metadata.name !== DEFAULT_OBJECT_NAME) {
    out.push(
      problem(
        ['metadata', 'name'],
        `${kind} must be named "default", got "${metadata.name}"`,
        'error',
        object,
      ),
    );
  }
  if (
    clusterNamespace !== undefined &&
    metadata.namespace !== undefined &&
    metadata.namespace !== clusterNamespace
  ) {
    out.push(
      problem(
        ['metadata', 'namespace'],
        `${kind} must be in the Cluster's namespace "${clusterNamespace}", got "${metadata.namespace}"`,
        'error',
        object,
      ),
    );
  }
  return out;
}

function validateGatewayGroup(
  ngg: NetworkGatewayGroup,
  cluster: Cluster | undefined,
  object: string,
): Problem[] {
  const out = validatePlacement('NetworkGatewayGroup', ngg.metadata, clusterNamespace(cluster), object);
  const ips = ngg.spec.floatingIPs;
  out.push(
    ...duplicates(
      ips.map((ip, i) => ({ value: ip, path: ['spec', 'floatingIPs', i] })),
      'floating IP',
      object,
    ),
  );
  if (ips.length === 1) {
    out.push(
      problem(
        ['spec', 'floatingIPs'],
        `only one floating IP (${ips[0]}): when its node fails, Services have no BGP session until it moves to another node; two or more are recommended`,
        'warning',
        object,
      ),
    );
  }
  if (cluster === undefined) return out;
  const lb = cluster.spec.loadBalancer;
  const ranges = poolRanges(cluster);
  const cpNodes = new Set(cluster.spec.controlPlane.nodePoolSpec.nodes.map((n) => n.address));
  const lbNodes = new Set((lb.nodePoolSpec?.nodes ?? []).map((n) => n.address));
  ips.forEach((ip, i) => {
    const at = ['spec', 'floatingIPs', i];
    const pool = poolOf(ranges, ip);
    let clash: string | undefined;
    if (pool !== undefined) clash = `is inside address pool "${pool.pool}" (${pool.text})`;
    else if (ip === lb.vips.controlPlaneVIP) clash = 'is the control-plane VIP';
    else if (ip === lb.vips.ingressVIP) clash = 'is the ingress VIP';
    else if (cpNodes.has(ip)) clash = 'is the address of a control-plane node';
    else if (lbNodes.has(ip)) clash = 'is the address of a load-balancer node';
    if (clash !== undefined) {
      out.push(
        problem(
          at,
          `floating IP ${ip} ${clash}; floating IPs must be free addresses of the node subnets`,
          'error',
          object,
        ),
      );
    }
  });
  return out;
}

/** The namespace of a cluster's objects: always `cluster-<name>` (the Cluster's own is checked apart). */
function clusterNamespace(cluster: Cluster | undefined): string | undefined {
  return cluster === undefined ? undefined : `cluster-${cluster.metadata.name}`;
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function validatePeers(
  peers: readonly BGPPeer[],
  cluster: Cluster | undefined,
  ngg: NetworkGatewayGroup | undefined,
  bgplb: BGPLoadBalancer | undefined,
  complete: boolean,
): Problem[] {
  const out: Problem[] = [];
  const namespace = clusterNamespace(cluster);
  const seenIPs = new Map<string, string>();
  for (const peer of peers) {
    const object = ref('BGPPeer', peer.metadata.name);
    const { spec, metadata } = peer;
    if (namespace !== undefined && metadata.namespace !== undefined && metadata.namespace !== namespace) {
      out.push(
        problem(
          ['metadata', 'namespace'],
          `BGPPeer must be in the Cluster's namespace "${namespace}", got "${metadata.namespace}"`,
          'error',
          object,
        ),
      );
    }
    if (spec.peerASN === spec.localASN) {
      out.push(
        problem(
          ['spec', 'peerASN'],
          `peerASN ${spec.peerASN} equals localASN ${spec.localASN}: bgplb peers over eBGP only, iBGP is not supported`,
          'error',
          object,
        ),
      );
    }
    const other = seenIPs.get(spec.peerIP);
    if (other !== undefined) {
      out.push(
        problem(
          ['spec', 'peerIP'],
          `duplicate peer IP ${spec.peerIP} (BGPPeer "${other}" has it too)`,
          'error',
          object,
        ),
      );
    } else seenIPs.set(spec.peerIP, metadata.name);
    const own = cluster === undefined ? undefined : ownAddresses(cluster).get(spec.peerIP);
    const floatingOwn = ngg?.spec.floatingIPs.includes(spec.peerIP) ? 'a floating IP' : undefined;
    if (own !== undefined || floatingOwn !== undefined) {
      out.push(
        problem(
          ['spec', 'peerIP'],
          `peer IP ${spec.peerIP} is ${own ?? floatingOwn}: a peer must be a router outside the cluster`,
          'error',
          object,
        ),
      );
    }
    out.push(...timerProblems(['spec'], spec, resolveTimers(spec), object));
    const floating = ngg?.spec.floatingIPs.length;
    if (floating !== undefined && spec.sessions > floating) {
      out.push(
        problem(
          ['spec', 'sessions'],
          `sessions ${spec.sessions} is more than the ${floating} floating IP(s) of NetworkGatewayGroup "${ngg?.metadata.name}": each session starts from its own floating IP, so only ${floating} session(s) will be opened to ${spec.peerIP}`,
          'warning',
          object,
        ),
      );
    }
  }
  if (bgplb !== undefined && complete) {
    const object = ref('BGPLoadBalancer', bgplb.metadata.name);
    const selected = peers.filter((p) => selects(bgplb.spec.peerSelector, p.metadata.labels));
    if (selected.length === 0) {
      out.push(
        problem(
          ['spec', 'peerSelector'],
          `peerSelector ${JSON.stringify(bgplb.spec.peerSelector)} matches no BGPPeer, so Services get no BGP session`,
          'warning',
          object,
        ),
      );
    }
  }
  return out;
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
