/**
 * The session phase of desiredState: each selected peer gets `sessions` BGPSessions, from floating
 * IPs held by distinct nodes (rendezvous hashing, so a peer's choice moves little when floating IPs
 * come and go). Pure.
 */
import {
  addressNamePart,
  DEFAULT_OBJECT_NAME,
  type ParsedClusterObjects,
  SESSION_KIND,
  SESSION_KIND_LABEL,
} from '@bgplb/api-types';
import {
  addressFamily,
  compareAddressText,
  type Family,
  familyName,
  rendezvousTopK,
} from '@bgplb/floating-ip-allocator';
import { LABELS, MANAGED_BY, sessionName } from '../names.js';
import type { DesiredSession, SessionShortfall } from './types.js';

interface Peer {
  /** Name part of the session names: the BGPPeer name or the control-plane peer IP (IPv6 `:` as `x`). */
  id: string;
  peerIP: string;
  peerASN: number;
  localASN: number;
  sessions: number;
}

function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: Record<string, string>,
): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Drops label values Kubernetes would refuse (over 63 characters, e.g. a long node or BGPPeer
 * name): the object's name and spec still carry the information.
 */
export function validLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v.length <= 63 && LABEL_VALUE.test(v)) out[k] = v;
  return out;
}

/**
 * The peers bgplb talks to: the BGPPeers the BGPLoadBalancer selects, or the Cluster's
 * control-plane peers when there is no BGPLoadBalancer or its selector matches no BGPPeer (SPEC §3:
 * "if no BGPPeer is given, the control-plane peers are used"); `fallback` says the latter happened.
 */
function peersOf(parsed: ParsedClusterObjects): { peers: Peer[]; fallback: boolean } {
  const bgplb = parsed.bgpLoadBalancer;
  const selected =
    bgplb === undefined
      ? []
      : parsed.bgpPeers.filter((p) => matchesSelector(p.metadata.labels, bgplb.spec.peerSelector));
  if (selected.length > 0)
    return {
      fallback: false,
      peers: selected.map((p) => ({
        id: p.metadata.name,
        peerIP: p.spec.peerIP,
        peerASN: p.spec.peerASN,
        localASN: p.spec.localASN,
        sessions: p.spec.sessions,
      })),
    };
  const lb = parsed.cluster!.spec.loadBalancer;
  const peers = lb.bgpPeers.map((p) => ({
    id: addressNamePart(p.ip),
    peerIP: p.ip,
    peerASN: p.asn,
    localASN: lb.localASN,
    sessions: Math.max(1, parsed.networkGatewayGroup?.spec.floatingIPs.length ?? 1),
  }));
  return { peers, fallback: bgplb !== undefined };
}

/** A node's InternalIP of a family, for sessions to a peer of a family no floating IP has. */
export type NodeAddressOf = (node: string, family: Family) => string | undefined;

/**
 * Every selected peer's sessions. A session starts from a floating IP of the peer's family; when
 * the NetworkGatewayGroup has none of that family, it is placed with the other floating IPs as
 * usual and starts from its node's InternalIP of the peer's family (a node without one opens
 * none, and the shortfall says why).
 */
export function decideSessions(
  parsed: ParsedClusterObjects,
  holders: ReadonlyMap<string, string>,
  clusterNamespace: string,
  nodeAddressOf: NodeAddressOf = () => undefined,
): { sessions: Map<string, DesiredSession>; shortfalls: SessionShortfall[]; selectorFallback: boolean } {
  const sessions = new Map<string, DesiredSession>();
  const shortfalls: SessionShortfall[] = [];
  const all = [...holders.keys()].sort(compareAddressText);
  const configured = parsed.networkGatewayGroup?.spec.floatingIPs ?? [];
  const { peers: chosen, fallback } = peersOf(parsed);
  const peers = chosen.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const peer of peers) {
    const family = addressFamily(peer.peerIP) ?? 4;
    const ownFamily = configured.some((ip) => addressFamily(ip) === family);
    const usable = ownFamily ? all.filter((ip) => addressFamily(ip) === family) : all;
    const usedNodes = new Set<string>();
    const lacking: string[] = [];
    for (const ip of rendezvousTopK(peer.id, usable, usable.length)) {
      if (usedNodes.size >= peer.sessions) break;
      const node = holders.get(ip)!;
      if (usedNodes.has(node)) continue;
      const localIP = ownFamily ? ip : nodeAddressOf(node, family);
      if (localIP === undefined) {
        if (!lacking.includes(node)) lacking.push(node);
        continue;
      }
      usedNodes.add(node);
      const name = sessionName(peer.id, node);
      sessions.set(name, {
        name,
        labels: validLabels({
          [LABELS.managedBy]: MANAGED_BY,
          [LABELS.clusterNamespace]: clusterNamespace,
          [LABELS.node]: node,
          [LABELS.peer]: peer.id,
          // Tells them from the control-plane advertiser's BGPSessions (same kind, same namespace).
          [SESSION_KIND_LABEL]: SESSION_KIND.service,
        }),
        spec: {
          floatingIP: ip,
          localASN: peer.localASN,
          localIP,
          nodeName: node,
          peerASN: peer.peerASN,
          peerIP: peer.peerIP,
        },
      });
    }
    if (usedNodes.size < peer.sessions) {
      const reason =
        parsed.networkGatewayGroup === undefined
          ? `no NetworkGatewayGroup "${DEFAULT_OBJECT_NAME}" in ${clusterNamespace}`
          : lacking.length > 0
            ? `only ${usedNodes.size} floating IP(s) held by distinct nodes with an ${familyName(family)} address (no ${familyName(family)} floating IP, and node(s) ${lacking.join(', ')} have no ${familyName(family)} InternalIP)`
            : usable.length < all.length
              ? `only ${usedNodes.size} ${familyName(family)} floating IP(s) held by distinct nodes`
              : `only ${usedNodes.size} floating IP(s) held by distinct nodes`;
      shortfalls.push({ peer: peer.id, wanted: peer.sessions, got: usedNodes.size, reason });
    }
  }
  return { sessions, shortfalls, selectorFallback: fallback };
}
