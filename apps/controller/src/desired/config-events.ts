/** Events for configuration objects the controller refused, and references to config objects. Pure. */
import { API_VERSION, type ParsedClusterObjects } from '@bgplb/api-types';
import type { RefusedObject } from '../config.js';
import type { EventSpec } from '../types.js';

export function configRef(object: unknown, clusterNamespace: string): EventSpec['involved'] | undefined {
  const o = object as
    | { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string } }
    | undefined;
  if (o?.kind === undefined || o.metadata?.name === undefined) return undefined;
  const ref: EventSpec['involved'] = {
    apiVersion: o.apiVersion ?? API_VERSION,
    kind: o.kind,
    namespace: o.metadata.namespace ?? clusterNamespace,
    name: o.metadata.name,
  };
  if (o.metadata.uid !== undefined) ref.uid = o.metadata.uid;
  return ref;
}

export function refusalEvents(
  refused: readonly RefusedObject[],
  clusterNamespace: string,
  keptPrevious: boolean,
): EventSpec[] {
  const events: EventSpec[] = [];
  for (const r of refused) {
    const involved = configRef(r.object, clusterNamespace);
    if (involved === undefined) continue;
    const detail = r.problems.map((p) => p.message).join('; ');
    events.push({
      involved,
      type: 'Warning',
      reason: 'InvalidConfiguration',
      message: `${r.ref} refused: ${detail}. ${
        keptPrevious ? 'The last valid configuration stays in force' : 'It is ignored until fixed'
      }`,
    });
  }
  return events;
}

/**
 * The Event on the BGPLoadBalancer when its peerSelector matches no BGPPeer and the service
 * sessions fall back to the Cluster's control-plane peers.
 */
export function selectorFallbackEvent(
  parsed: ParsedClusterObjects,
  fallback: boolean,
  raw: { bgpLoadBalancer?: unknown },
  clusterNamespace: string,
): EventSpec | undefined {
  const selector = parsed.bgpLoadBalancer?.spec.peerSelector;
  const involved = configRef(raw.bgpLoadBalancer, clusterNamespace);
  if (!fallback || selector === undefined || involved === undefined) return undefined;
  const peers = parsed.cluster?.spec.loadBalancer.bgpPeers.map((p) => p.ip).join(', ') ?? '';
  return {
    involved,
    type: 'Warning',
    reason: 'PeerSelectorFallback',
    message: `peerSelector ${JSON.stringify(selector)} matches no BGPPeer: service sessions use the control-plane peers of the Cluster (spec.loadBalancer.bgpPeers: ${peers})`,
  };
}
