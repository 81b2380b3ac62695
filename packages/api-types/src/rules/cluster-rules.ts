import { familyName } from '../address.js';
import { CLUSTER_SPEC_MISPLACEMENTS, MISPLACED_ONLY_WITH } from '../key-suggestions.js';
import { KEY_PROBLEMS, type PathSegment, type Problem, problem } from '../problems.js';
import type { Cluster } from '../schemas/cluster.js';
import { familyOfValid, withFamily } from '../schemas/primitives.js';
import { CP_NODES, duplicates, LB, overlappingPairs, ownAddresses, poolOf, poolRanges } from './shared.js';

/**
 * Rules of the Cluster alone: namespace, mode and type, node addresses, control-plane peers (eBGP,
 * duplicates, outside the cluster, controlPlaneNodes, every node peered), pools and VIPs.
 */
export function validateCluster(cluster: Cluster, object: string, typeWritten: boolean): Problem[] {
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
  const advanced = cluster.spec.clusterNetwork?.advancedNetworking;
  if (advanced === false) {
    push(
      ['spec', 'clusterNetwork', 'advancedNetworking'],
      'advancedNetworking is false, but BGP load balancing needs it: set advancedNetworking: true',
    );
  } else if (advanced === undefined) {
    push(
      cluster.spec.clusterNetwork === undefined ? ['spec'] : ['spec', 'clusterNetwork'],
      'advancedNetworking is not set: BGP load balancing needs clusterNetwork.advancedNetworking: true',
      'warning',
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
      } else if (familyOfValid(node) !== familyOfValid(peer.ip)) {
        push(
          [...LB, 'bgpPeers', i, 'controlPlaneNodes', j],
          `control-plane node ${withFamily(node)} cannot peer with ${withFamily(peer.ip)}: a control-plane node opens its sessions from its nodePoolSpec address, so its peers must be of that family`,
        );
      }
    });
    if (peer.controlPlaneNodes === undefined) {
      const others = cpNodes.filter((n) => familyOfValid(n.address) !== familyOfValid(peer.ip));
      if (others.length > 0) {
        push(
          [...LB, 'bgpPeers', i, 'ip'],
          `peer ${withFamily(peer.ip)} applies to every control-plane node, but ${others.map((n) => n.address).join(', ')} ${others.length === 1 ? 'is' : 'are'} not ${familyName(familyOfValid(peer.ip))}: a control-plane node opens its sessions from its nodePoolSpec address; list the controlPlaneNodes of the peer's family`,
        );
      }
    }
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
  const { controlPlaneVIP, controlPlaneVIPOtherFamily, ingressVIP } = lb.vips;
  const cpVips: Array<[string, string]> = [[controlPlaneVIP, 'controlPlaneVIP']];
  if (controlPlaneVIPOtherFamily !== undefined)
    cpVips.push([controlPlaneVIPOtherFamily, 'controlPlaneVIPOtherFamily']);
  for (const [vip, field] of cpVips) {
    const cpPool = poolOf(ranges, vip);
    if (cpPool !== undefined) {
      push(
        [...LB, 'vips', field],
        `control-plane VIP ${vip} is inside address pool "${cpPool.pool}" (${cpPool.text}); it must be outside every pool`,
      );
    }
    if (cpAddresses.has(vip) || lbNodes.some((n) => n.address === vip)) {
      push([...LB, 'vips', field], `control-plane VIP ${vip} is the address of a node`);
    }
  }
  if (controlPlaneVIPOtherFamily !== undefined)
    out.push(...otherFamilyVipProblems(cluster, controlPlaneVIPOtherFamily, object));
  if (ingressVIP !== undefined && poolOf(ranges, ingressVIP) === undefined) {
    const pools = lb.addressPools.map((p) => `"${p.name}"`).join(', ');
    push(
      [...LB, 'vips', 'ingressVIP'],
      `ingress VIP ${ingressVIP} is not inside any address pool (${pools || 'no pools defined'}); it must be taken from one`,
    );
  }
  if (
    ingressVIP !== undefined &&
    (ingressVIP === controlPlaneVIP || ingressVIP === controlPlaneVIPOtherFamily)
  ) {
    push([...LB, 'vips', 'ingressVIP'], `ingress VIP ${ingressVIP} is the same as the control-plane VIP`);
  }
  return out;
}

/**
 * `vips.controlPlaneVIPOtherFamily`: of the other family than controlPlaneVIP (one VIP per
 * family). No control-plane node needs an address of its family in the Cluster: a node announces
 * it with its own address of that family as next hop, which the advertiser finds on the host (the
 * interface of the node's address, or --node-ip-other-family), over every session that carries
 * that family (an IPv4 session with IPv6 unicast negotiated carries the IPv6 VIP).
 */
function otherFamilyVipProblems(cluster: Cluster, vip: string, object: string): Problem[] {
  const lb = cluster.spec.loadBalancer;
  if (familyOfValid(vip) !== familyOfValid(lb.vips.controlPlaneVIP)) return [];
  return [
    problem(
      [...LB, 'vips', 'controlPlaneVIPOtherFamily'],
      `control-plane VIP ${withFamily(vip)} is of the same family as controlPlaneVIP ${lb.vips.controlPlaneVIP}: at most one control-plane VIP per family`,
      'error',
      object,
    ),
  ];
}

/**
 * Warnings for keys of `spec.loadBalancer` written directly under the Cluster's `spec` (a snippet
 * pasted at the wrong indentation). `spec` is not ours, so they are kept, but bgplb ignores them.
 * Reads the raw object: it works also when the Cluster does not parse.
 */
export function misplacedClusterKeys(input: unknown, object: string | undefined): Problem[] {
  const spec = (input as { spec?: unknown } | null)?.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [];
  const misplaced = (key: string) => {
    if (!Object.hasOwn(spec, key)) return false;
    const values = MISPLACED_ONLY_WITH[key];
    return values === undefined || values.includes((spec as Record<string, unknown>)[key] as string);
  };
  return CLUSTER_SPEC_MISPLACEMENTS.filter(misplaced).map((key) => {
    const p = problem(
      ['spec', key],
      `"${key}" is not read here and is ignored (did you mean \`spec.loadBalancer.${key}\`?)`,
      'warning',
      object,
    );
    KEY_PROBLEMS.add(p);
    return p;
  });
}
