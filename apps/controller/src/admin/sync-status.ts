/**
 * What the admin cluster's objects say about the sync: pure builders of the status written back.
 * - each source object: `syncedGeneration` (the generation the user cluster holds) and a `Synced`
 *   condition with the last error;
 * - the Cluster: `status.bgpLoadBalancing`, a summary read from the user cluster (sessions
 *   Established/total, routes advertised) and the sync state.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../types.js';
import { SYNCED_CONDITION } from './names.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Why a source is not synced (a condition reason, CamelCase as Kubernetes has them). */
export type NotSyncedReason =
  | 'Conflict'
  | 'WriteFailed'
  | 'UserClusterUnreachable'
  | 'CredentialsInvalid'
  | 'Pending';

export type SyncOutcome = { synced: true } | { synced: false; reason: NotSyncedReason; message: string };

interface WithStatus extends KubeObject {
  status?: { conditions?: Condition[]; syncedGeneration?: number; [k: string]: unknown };
}

/**
 * The status of a source after a sync attempt, or undefined when it already says so (no write).
 * Other conditions (e.g. another controller's) are kept; lastTransitionTime changes only with the
 * status.
 */
export function sourceStatusPatch(
  source: KubeObject,
  outcome: SyncOutcome,
  targetNamespace: string,
  now: Date,
): { status: { conditions: Condition[]; syncedGeneration?: number } } | undefined {
  const s = source as WithStatus;
  const generation = s.metadata.generation ?? 0;
  const previous = s.status?.conditions?.find((c) => c.type === SYNCED_CONDITION);
  const status = outcome.synced ? 'True' : 'False';
  const condition: Condition = {
    type: SYNCED_CONDITION,
    status,
    reason: outcome.synced ? 'Synced' : outcome.reason,
    message: outcome.synced
      ? `the user cluster holds generation ${generation} in namespace ${targetNamespace}`
      : outcome.message,
    lastTransitionTime:
      previous !== undefined && previous.status === status ? previous.lastTransitionTime : now.toISOString(),
    observedGeneration: generation,
  };
  const syncedGeneration = outcome.synced ? generation : s.status?.syncedGeneration;
  const unchanged =
    previous !== undefined &&
    previous.status === condition.status &&
    previous.reason === condition.reason &&
    previous.message === condition.message &&
    previous.observedGeneration === condition.observedGeneration &&
    s.status?.syncedGeneration === syncedGeneration;
  if (unchanged) return undefined;
  const conditions = [...(s.status?.conditions ?? []).filter((c) => c.type !== SYNCED_CONDITION), condition];
  return { status: syncedGeneration === undefined ? { conditions } : { conditions, syncedGeneration } };
}

export interface UserClusterSummary {
  /** `Synced`, or why not (`UserClusterUnreachable`, `CredentialsInvalid`, `Conflict`, `WriteFailed`, `Pending`). */
  state: string;
  message: string;
  /** Objects of this Cluster held in the user cluster / sources. */
  objectsSynced: number;
  objectsTotal: number;
  /** Read from the user cluster's BGPSession/BGPAdvertisedRoute objects (absent while unreachable). */
  sessionsEstablished?: number;
  sessionsTotal?: number;
  routesAdvertised?: number;
  /** Last time the user cluster held every source (RFC 3339). */
  lastSyncTime?: string;
}

/** The summary from the user cluster's status objects (BGPSession `status.state`, BGPAdvertisedRoute count). */
export function sessionCounts(
  sessions: readonly KubeObject[],
  routes: readonly KubeObject[],
): Pick<UserClusterSummary, 'sessionsEstablished' | 'sessionsTotal' | 'routesAdvertised'> {
  let established = 0;
  for (const s of sessions)
    if ((s.status as { state?: string } | undefined)?.state === 'Established') established++;
  return {
    sessionsEstablished: established,
    sessionsTotal: sessions.length,
    routesAdvertised: routes.length,
  };
}

/** The merge patch for the Cluster's `status.bgpLoadBalancing`, or undefined when unchanged. */
export function clusterStatusPatch(
  cluster: KubeObject,
  summary: UserClusterSummary,
): { status: { bgpLoadBalancing: UserClusterSummary } } | undefined {
  const current = (cluster.status as { bgpLoadBalancing?: UserClusterSummary } | undefined)?.bgpLoadBalancing;
  // Fields the summary leaves out (session counts while the user cluster is unreachable, the last
  // sync time) keep their last known values: the state says how fresh they are.
  const next: UserClusterSummary = { ...current, ...summary };
  if (current !== undefined && isDeepStrictEqual(current, next)) return undefined;
  return { status: { bgpLoadBalancing: next } };
}
