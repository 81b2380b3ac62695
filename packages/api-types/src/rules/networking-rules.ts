import { familyName } from '../address.js';
import { DEFAULT_OBJECT_NAME } from '../constants.js';
import { type Problem, problem } from '../problems.js';
import type { BGPLoadBalancer } from '../schemas/bgp-load-balancer.js';
import type { BGPPeer } from '../schemas/bgp-peer.js';
import type { Cluster } from '../schemas/cluster.js';
import type { NetworkGatewayGroup } from '../schemas/network-gateway-group.js';
import { familyOfValid, withFamily } from '../schemas/primitives.js';
import { resolveTimers, timerProblems } from '../timers.js';
import { clusterNamespace, duplicates, ownAddresses, poolOf, poolRanges, ref } from './shared.js';

// Rules of the networking objects of a cluster: names, namespaces, floating IPs, BGPPeers.

export function validatePlacement(
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

export function validateGatewayGroup(
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

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function validatePeers(
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
    const clusterASN = cluster?.spec.loadBalancer.localASN;
    if (clusterASN !== undefined && spec.localASN !== clusterASN) {
      out.push(
        problem(
          ['spec', 'localASN'],
          `localASN ${spec.localASN} differs from the localASN ${clusterASN} of Cluster "${cluster?.metadata.name}" (spec.loadBalancer.localASN): the cluster announces from one AS, set both to the same number`,
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
    const family = familyOfValid(spec.peerIP);
    if (ngg !== undefined && !ngg.spec.floatingIPs.some((ip) => familyOfValid(ip) === family)) {
      out.push(
        problem(
          ['spec', 'peerIP'],
          `peer ${withFamily(spec.peerIP)} has no ${familyName(family)} floating IP in NetworkGatewayGroup "${ngg.metadata.name}": its sessions start from the ${familyName(family)} InternalIP of the nodes holding floating IPs, and a node without one opens none`,
          'warning',
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
          `peerSelector ${JSON.stringify(bgplb.spec.peerSelector)} matches no BGPPeer, so service sessions fall back to the control-plane peers of the Cluster (spec.loadBalancer.bgpPeers)`,
          'warning',
          object,
        ),
      );
    }
  }
  return out;
}
