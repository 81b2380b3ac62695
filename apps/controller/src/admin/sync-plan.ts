/**
 * What one user cluster must be told so that it holds exactly the admin cluster's objects: a pure
 * function of both sides, like the controller's desired-state -> plan. The worker (user-cluster-sync.ts)
 * applies the actions; a crash between two of them is harmless because the next plan starts again
 * from what both sides hold (level-triggered).
 *
 * Rules:
 * - a user-cluster object is ours only when it carries the managed-by label AND names this Cluster
 *   in its source annotation; nothing else is ever updated or deleted;
 * - a copy is in sync when its spec, labels and annotations are exactly what the source gives;
 * - a managed copy whose source generation is current but whose content differs was edited in the
 *   user cluster directly: that is drift, reverted and reported;
 * - a same-named object that is not ours is a conflict (reported, left alone).
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../types.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SOURCE_CLUSTER_ANNOTATION,
  SOURCE_GENERATION_ANNOTATION,
  SYNCED_API_VERSION,
  SYNCED_KINDS,
} from './names.js';

/** Annotations never copied: they describe how the admin-cluster object was written, not what it is. */
const NOT_COPIED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

export interface SyncInputs {
  /** Admin-cluster objects of the synced kinds in the Cluster's namespace. */
  sources: readonly KubeObject[];
  /** User-cluster objects of the synced kinds in the target namespace. */
  targets: readonly KubeObject[];
  targetNamespace: string;
  /** `<namespace>/<name>` of the admin-cluster Cluster. */
  sourceCluster: string;
}

export type SyncAction =
  | { op: 'create'; kind: string; name: string; object: KubeObject; source: KubeObject }
  | {
      op: 'update';
      kind: string;
      name: string;
      object: KubeObject;
      source: KubeObject;
      /** `drift`: the copy was changed in the user cluster; `source-changed`: the admin object was. */
      reason: 'drift' | 'source-changed';
    }
  | { op: 'delete'; kind: string; name: string; target: KubeObject }
  | { op: 'conflict'; kind: string; name: string; source: KubeObject; message: string };

export interface SyncPlan {
  actions: SyncAction[];
  /** Sources whose copies already match (their status can say Synced). */
  inSync: KubeObject[];
}

/** Whether `target` is a copy this Cluster manages. */
export function isManagedBy(target: KubeObject, sourceCluster: string): boolean {
  return (
    target.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    target.metadata.annotations?.[SOURCE_CLUSTER_ANNOTATION] === sourceCluster
  );
}

/** The user-cluster object the admin-cluster `source` stands for (no status: the user cluster writes that). */
export function desiredCopy(source: KubeObject, targetNamespace: string, sourceCluster: string): KubeObject {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(source.metadata.annotations ?? {}))
    if (!NOT_COPIED_ANNOTATIONS.has(k)) annotations[k] = v;
  annotations[SOURCE_GENERATION_ANNOTATION] = String(source.metadata.generation ?? 0);
  annotations[SOURCE_CLUSTER_ANNOTATION] = sourceCluster;
  const copy: KubeObject = {
    apiVersion: SYNCED_API_VERSION,
    kind: source.kind as string,
    metadata: {
      name: source.metadata.name,
      namespace: targetNamespace,
      labels: { ...source.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations,
    },
  };
  if (source.spec !== undefined) copy.spec = structuredClone(source.spec);
  return copy;
}

function sameContent(desired: KubeObject, target: KubeObject): boolean {
  return (
    isDeepStrictEqual(desired.spec, target.spec) &&
    isDeepStrictEqual(desired.metadata.labels ?? {}, target.metadata.labels ?? {}) &&
    isDeepStrictEqual(desired.metadata.annotations ?? {}, target.metadata.annotations ?? {})
  );
}

const key = (kind: string | undefined, name: string) => `${kind ?? ''}/${name}`;
const kindOrder = (kind: string | undefined) => SYNCED_KINDS.findIndex((k) => k.kind === kind);

/** Creates and updates in SYNCED_KINDS order (groups before the peers they name), deletes in reverse. */
export function planSync(inputs: SyncInputs): SyncPlan {
  const { targetNamespace, sourceCluster } = inputs;
  const targets = new Map(inputs.targets.map((t) => [key(t.kind, t.metadata.name), t]));
  const sources = [...inputs.sources]
    .filter((s) => s.metadata.deletionTimestamp === undefined)
    .sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.metadata.name.localeCompare(b.metadata.name));
  const wanted = new Set<string>();
  const actions: SyncAction[] = [];
  const inSync: KubeObject[] = [];
  for (const source of sources) {
    const kind = source.kind as string;
    const name = source.metadata.name;
    wanted.add(key(kind, name));
    const desired = desiredCopy(source, targetNamespace, sourceCluster);
    const target = targets.get(key(kind, name));
    if (target === undefined) {
      actions.push({ op: 'create', kind, name, object: desired, source });
      continue;
    }
    if (!isManagedBy(target, sourceCluster)) {
      const owner = target.metadata.annotations?.[SOURCE_CLUSTER_ANNOTATION];
      const message =
        target.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && owner !== undefined
          ? `${kind} ${targetNamespace}/${name} in the user cluster is managed for Cluster ${owner}, not ${sourceCluster}`
          : `${kind} ${targetNamespace}/${name} exists in the user cluster and is not managed by the admin cluster; hand it over with \`bgplb-controller move\` or delete it there`;
      actions.push({ op: 'conflict', kind, name, source, message });
      continue;
    }
    if (sameContent(desired, target)) {
      inSync.push(source);
      continue;
    }
    const drift =
      target.metadata.annotations?.[SOURCE_GENERATION_ANNOTATION] ===
      desired.metadata.annotations?.[SOURCE_GENERATION_ANNOTATION];
    const object: KubeObject = {
      ...desired,
      metadata: {
        ...target.metadata,
        labels: desired.metadata.labels ?? {},
        annotations: desired.metadata.annotations ?? {},
      },
    };
    actions.push({ op: 'update', kind, name, object, source, reason: drift ? 'drift' : 'source-changed' });
  }
  const deletes = inputs.targets
    .filter((t) => !wanted.has(key(t.kind, t.metadata.name)) && isManagedBy(t, sourceCluster))
    .filter((t) => t.metadata.deletionTimestamp === undefined)
    .sort((a, b) => kindOrder(b.kind) - kindOrder(a.kind) || a.metadata.name.localeCompare(b.metadata.name));
  for (const target of deletes)
    actions.push({ op: 'delete', kind: target.kind as string, name: target.metadata.name, target });
  return { actions, inSync };
}
