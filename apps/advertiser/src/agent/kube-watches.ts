/**
 * The agent's Kubernetes inputs: one kube-runtime Informer per collection it follows, each
 * delivering its whole current list to the agent (the agent's planners are level-based). A burst
 * of watch events becomes one callback (coalesced in a microtask), and a (re-)list, which
 * kube-runtime applies in slices over several event-loop turns, becomes one callback when it is
 * complete, also when the list is empty.
 */
import { GROUP, NOT_CONTROL_PLANE_SESSIONS, RESOURCES, VERSION } from '@bgplb/api-types';
import { Informer, type KubeClient, type KubeObject, paths } from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../shared/index.js';

export interface WatchSpec {
  /** For logs: `BGPSessions of node n1`. */
  what: string;
  plural: string;
  namespace: string;
  kind: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Trims each object before it is cached (what the agent never reads). */
  transform?: (o: KubeObject) => KubeObject;
}

/**
 * BGPAdvertisedRoutes without `status.nextHops`: the controller's per-next-hop report for
 * operators, which the agent never reads (it follows spec), kept out of every agent's memory.
 */
export function trimRouteForAgent(o: KubeObject): KubeObject {
  const status = (o as { status?: Record<string, unknown> }).status;
  if (status !== undefined) delete status.nextHops;
  return o;
}

export interface WatchedList {
  readonly informer: Informer<KubeObject>;
  /** Resolves once the first list was delivered. */
  readonly synced: Promise<void>;
}

/** Starts an informer for `spec`; `onList` gets the full list after every change. */
export function watchList(
  kc: KubeConfig,
  client: KubeClient,
  spec: WatchSpec,
  log: Logger,
  onList: (items: readonly KubeObject[]) => void,
): WatchedList {
  const informer = new Informer<KubeObject>(kc, client, {
    name: spec.what,
    path: paths.group(GROUP, VERSION, spec.plural, spec.namespace),
    apiVersion: `${GROUP}/${VERSION}`,
    kind: spec.kind,
    labelSelector: spec.labelSelector,
    fieldSelector: spec.fieldSelector,
    ...(spec.transform === undefined ? {} : { transform: spec.transform }),
    backoffBaseMs: 500,
    log,
  });
  let pending = false;
  const emit = (): void => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      onList(informer.list());
    });
  };
  informer.on(() => {
    if (!informer.relisting) emit();
  });
  informer.onSynced(emit);
  informer.start();
  return { informer, synced: informer.whenSynced() };
}

/** The five collections the agent follows. */
export function agentWatchSpecs(node: string, statusNamespace: string, clusterNamespace: string) {
  return {
    own: {
      what: `BGPSessions of node ${node}`,
      plural: RESOURCES.BGPSession.plural,
      kind: 'BGPSession',
      namespace: statusNamespace,
      fieldSelector: `spec.nodeName=${node}`,
      // The control-plane advertiser's BGPSessions name this node too; they are not the agent's to run.
      labelSelector: NOT_CONTROL_PLANE_SESSIONS,
    },
    cluster: {
      what: 'BGPSessions (all nodes, for next-hop ranking)',
      plural: RESOURCES.BGPSession.plural,
      kind: 'BGPSession',
      namespace: statusNamespace,
      labelSelector: NOT_CONTROL_PLANE_SESSIONS,
    },
    routes: {
      what: 'BGPAdvertisedRoutes',
      plural: RESOURCES.BGPAdvertisedRoute.plural,
      kind: 'BGPAdvertisedRoute',
      namespace: statusNamespace,
      transform: trimRouteForAgent,
    },
    gatewayGroups: {
      what: 'NetworkGatewayGroup default',
      plural: RESOURCES.NetworkGatewayGroup.plural,
      kind: 'NetworkGatewayGroup',
      namespace: clusterNamespace,
      fieldSelector: 'metadata.name=default',
    },
    peers: {
      what: 'BGPPeers',
      plural: RESOURCES.BGPPeer.plural,
      kind: 'BGPPeer',
      namespace: clusterNamespace,
    },
  } satisfies Record<string, WatchSpec>;
}
