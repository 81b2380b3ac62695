/**
 * desiredState(observed) -> desired: the whole decision of the controller as one pure function.
 *
 * Input is what the informers see (configuration objects, Nodes, Services) plus the clock; output
 * is what should exist (Service VIPs, the NetworkGatewayGroup status, one BGPSession per peer and
 * floating IP, one BGPAdvertisedRoute per VIP) and the Events that explain the changes. The apply
 * layer turns the difference into writes. Nothing here does I/O, so every rule is unit-tested.
 *
 * The phases live in desired/: configuration (config.ts), nodes, floating IPs (gateway), sessions,
 * and the Services (service-fold.ts over service-decision.ts, the one per-Service decision that
 * the incremental path uses too). MemoizedDesiredState carries the memo from one call to the next.
 */

import { addressFamily } from '@bgplb/floating-ip-allocator';
import { effectiveConfig } from './config.js';
import { configRef, refusalEvents, selectorFallbackEvent } from './desired/config-events.js';
import { decideGateway, type GatewayDecision, type GatewayInput } from './desired/gateway.js';
import { leaseSuspects } from './desired/lease-suspects.js';
import { drainingSinceOf, drainSettingsOf, loadBalancerNodes, routeDrain } from './desired/nodes.js';
import { foldServices, poolFamilies } from './desired/service-fold.js';
import { decideSessions } from './desired/sessions.js';
import { type Desired, type DesiredMemo, EMPTY_MEMO, type Observed } from './desired/types.js';
import { DEFAULT_LOAD_BALANCER_NAME } from './names.js';
import { nodeView } from './nodes.js';

export { routeNameClashes } from './desired/route-name-clashes.js';
export {
  currentVip,
  decideService,
  isOurs,
  MESSAGES,
  requestedIp,
  serviceRef,
} from './desired/service-decision.js';
export { validLabels } from './desired/sessions.js';
export type * from './desired/types.js';

/**
 * Computes the desired state. Pure: depends only on its arguments. `memo` is the `memo` of an
 * earlier result; it changes which (equal) objects are returned, never what they say.
 */
export function desiredState(observed: Observed, memo: DesiredMemo = EMPTY_MEMO): Desired {
  const { options, now } = observed;
  const config = effectiveConfig(observed.config, observed.lastGood);
  const parsed = config.parsed;
  const events = refusalEvents(config.refused, options.clusterNamespace, parsed !== undefined);
  const drainingSince = drainingSinceOf(observed.nodes, observed.drainingSince, now);
  if (parsed?.cluster === undefined) return emptyDesired(config, drainingSince, events, memo);
  const lb = parsed.cluster.spec.loadBalancer;
  const warnings: string[] = config.warnings.map((p) => p.message);

  const liveStatus = (observed.config.networkGatewayGroup as GatewayInput['live'])?.status?.floatingIPs ?? {};
  const suspicion = leaseSuspects({
    holders: liveStatus,
    leases: observed.leases,
    heldSince: observed.heldSince,
    expirySeconds: options.leaseExpirySeconds ?? 0,
    views:
      observed.leases === undefined ? [] : observed.nodes.map((n) => nodeView(n, options.nodePrefixLength)),
    previous: observed.leaseSuspects,
    now,
  });
  const drainSettings = drainSettingsOf(parsed.bgpLoadBalancer?.spec);
  const pools = lb.addressPools.map((p) => ({
    name: p.name,
    addresses: p.addresses,
    avoidBuggyIPs: p.avoidBuggyIPs,
    manualAssign: p.manualAssign,
    allowSubnetRouterAnycast: p.allowSubnetRouterAnycast,
  }));
  const nodes = loadBalancerNodes(
    parsed.cluster,
    observed.nodes,
    options.nodePrefixLength,
    { v4: memo.nextHops, v6: memo.nextHops6 },
    suspicion.suspects,
    {
      since: drainingSince,
      delayMs: drainSettings.delaySeconds * 1000,
      now,
      settings: drainSettings,
    },
    poolFamilies(pools),
    { v4: memo.routeStatus?.nextHops, v6: memo.routeStatus6?.nextHops },
  );
  warnings.push(...nodes.warnings);
  const drain = routeDrain(nodes.drainingNextHops, drainSettings, memo.drain);
  const drain6 = routeDrain(nodes.v6.drainingNextHops, drainSettings, memo.drain6);
  // One status object for every route that is not externalTrafficPolicy: Local (per family), kept while equal.
  const routeStatus =
    memo.routeStatus !== undefined && memo.routeStatus.nextHops === nodes.hopStates
      ? memo.routeStatus
      : { nextHops: nodes.hopStates };
  const routeStatus6 =
    memo.routeStatus6 !== undefined && memo.routeStatus6.nextHops === nodes.v6.hopStates
      ? memo.routeStatus6
      : { nextHops: nodes.v6.hopStates };
  const v6 = {
    nextHops: nodes.v6.nextHops,
    nextHopByNode: nodes.v6.nextHopByNode,
    drain: drain6,
    status: routeStatus6,
  };

  let floating: GatewayDecision | undefined;
  if (parsed.networkGatewayGroup !== undefined) {
    floating = decideGateway({
      ngg: parsed.networkGatewayGroup,
      live: observed.config.networkGatewayGroup as GatewayInput['live'],
      involved: configRef(observed.config.networkGatewayGroup, options.clusterNamespace),
      nodes,
      drainingSince,
      now,
      graceSeconds: options.graceSeconds,
      clusterNamespace: options.clusterNamespace,
      heldSince: observed.heldSince,
      liveSessions: observed.liveSessions,
      ...(options.leaseExpirySeconds !== undefined &&
      options.leaseExpirySeconds > 0 &&
      observed.leases !== undefined
        ? { leases: { observed: observed.leases, expirySeconds: options.leaseExpirySeconds } }
        : {}),
    });
    events.push(...floating.events);
    warnings.push(...floating.warnings);
  }

  const { sessions, shortfalls, selectorFallback } = decideSessions(
    parsed,
    floating?.holders ?? new Map(),
    options.clusterNamespace,
    (name, family) => {
      const view = nodes.views.find((v) => v.name === name);
      return view?.internalIPs.find((ip) => addressFamily(ip) === family);
    },
  );
  const fallbackEvent = selectorFallbackEvent(
    parsed,
    selectorFallback,
    observed.config,
    options.clusterNamespace,
  );
  if (fallbackEvent !== undefined) events.push(fallbackEvent);

  const loadBalancerName = parsed.bgpLoadBalancer?.metadata.name ?? DEFAULT_LOAD_BALANCER_NAME;
  const lbSpec = parsed.bgpLoadBalancer?.spec;
  const weighted = (lbSpec?.weightedECMP ?? options.weightedECMP ?? 'endpoints') === 'endpoints';
  const refuseLocal = lbSpec?.externalTrafficPolicyLocal === 'refuse';
  const endpoints = observed.endpoints;
  const local = {
    nextHopByNode: nodes.nextHopByNode,
    weighted,
    endpointsOf: (key: string) => endpoints?.get(key),
  };
  const fold = foldServices(
    {
      services: observed.services,
      loadBalancerClass: options.loadBalancerClass,
      loadBalancerName,
      refuseLocal,
      route: {
        nextHops: nodes.nextHops,
        drain,
        status: routeStatus,
        clusterNamespace: options.clusterNamespace,
        local,
        v6,
      },
      vips: {
        pools,
        controlPlaneVIP: lb.vips.controlPlaneVIP,
        ingressVIP: lb.vips.ingressVIP,
        ingressService: options.ingressService,
      },
    },
    memo,
  );
  for (let i = 0; i < fold.events.length; i++) events.push(fold.events[i]!);
  warnings.push(...fold.warnings);

  return {
    valid: true,
    config,
    gateway: floating?.gateway,
    floatingIPMoves: floating?.moves ?? [],
    unassignedFloatingIPs: floating?.unassigned ?? {},
    services: fold.services,
    sessions,
    routes: fold.routes,
    events,
    recheckAt: earliest(earliest(floating?.recheckAt ?? null, suspicion.recheckAt), nodes.drainEndsAt),
    drainingSince,
    heldSince: floating?.heldSince ?? new Map(),
    leaseSuspects: suspicion.suspects,
    leaseDeadline: floating?.leaseDeadline ?? null,
    poolUsage: fold.poolUsage,
    shortfalls,
    warnings,
    serviceContext: {
      loadBalancerName,
      nextHops: nodes.nextHops,
      nextHopByNode: nodes.nextHopByNode,
      weighted,
      refuseLocal,
      drain,
      routeStatus,
      v6,
      pools,
      controlPlaneVIP: lb.vips.controlPlaneVIP,
      ingressVIP: lb.vips.ingressVIP,
      routeNameLosers: fold.routeNameLosers,
      waiting: fold.waiting,
    },
    memo: {
      routes: fold.routes,
      services: fold.services,
      nextHops: nodes.nextHops,
      nextHops6: nodes.v6.nextHops,
      drain,
      drain6,
      routeStatus,
      routeStatus6,
      vips: fold.vips,
    },
  };
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function emptyDesired(
  config: Desired['config'],
  drainingSince: Map<string, number>,
  events: Desired['events'],
  memo: DesiredMemo,
): Desired {
  return {
    drainingSince,
    heldSince: new Map(),
    leaseSuspects: new Map(),
    leaseDeadline: null,
    valid: false,
    config,
    gateway: undefined,
    floatingIPMoves: [],
    unassignedFloatingIPs: {},
    services: new Map(),
    sessions: new Map(),
    routes: new Map(),
    events,
    recheckAt: null,
    poolUsage: [],
    shortfalls: [],
    warnings: [],
    memo,
  };
}

/**
 * desiredState with its memo carried from one call to the next: the one place that keeps state
 * between full reconciles (the functions it calls are pure).
 */
export class MemoizedDesiredState {
  private memo: DesiredMemo = EMPTY_MEMO;

  compute(observed: Observed): Desired {
    const desired = desiredState(observed, this.memo);
    this.memo = desired.memo;
    return desired;
  }
}
