/**
 * The move step (SPEC.md section 12): the BGP objects created with a user cluster move to the
 * admin cluster, and the admin cluster takes over their ownership. Pure: a plan from what both
 * clusters hold, so that the dry run shows exactly what the real run does, and running it twice
 * does nothing the second time.
 *
 * The user cluster's objects are never re-created: they are only marked as managed (label and
 * annotations, no spec change), so their uids stay and no BGP session flaps. The marks are exactly
 * what the sync controller writes, so it finds every copy in sync and has nothing to do.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '../types.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SOURCE_CLUSTER_ANNOTATION,
  SOURCE_GENERATION_ANNOTATION,
  SYNCED_API_VERSION,
  SYNCED_KINDS,
} from './names.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const OURS = new Set([SOURCE_CLUSTER_ANNOTATION, SOURCE_GENERATION_ANNOTATION, LAST_APPLIED]);

export interface MoveInputs {
  /** The user cluster's objects of the synced kinds in `userNamespace`. */
  user: readonly KubeObject[];
  /** The admin cluster's objects of the synced kinds in `adminNamespace`. */
  admin: readonly KubeObject[];
  userNamespace: string;
  adminNamespace: string;
  /** `<namespace>/<name>` of the Cluster in the admin cluster. */
  clusterKey: string;
}

export type MoveStep =
  | { op: 'create-in-admin'; kind: string; name: string; object: KubeObject }
  | {
      op: 'hand-over';
      kind: string;
      name: string;
      /** Merge patch of the user cluster's object (metadata only). */
      patch: { metadata: { labels: Record<string, string>; annotations: Record<string, string | null> } };
      uid: string | undefined;
    }
  | { op: 'conflict'; kind: string; name: string; message: string; diff: string };

/** The admin-cluster object a user-cluster object becomes. */
export function adminCopy(user: KubeObject, adminNamespace: string): KubeObject {
  const labels = { ...user.metadata.labels };
  delete labels[MANAGED_BY_LABEL];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(user.metadata.annotations ?? {})) if (!OURS.has(k)) annotations[k] = v;
  const metadata: KubeObject['metadata'] = { name: user.metadata.name, namespace: adminNamespace };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const out: KubeObject = { apiVersion: SYNCED_API_VERSION, kind: user.kind as string, metadata };
  if (user.spec !== undefined) out.spec = structuredClone(user.spec);
  return out;
}

/** The part of an object the move compares: spec, labels and annotations without ours. */
function content(o: KubeObject, namespace: string): string {
  const c = adminCopy(o, namespace);
  return stringify({
    metadata: { labels: c.metadata.labels, annotations: c.metadata.annotations },
    spec: c.spec,
  });
}

const order = (kind: string | undefined) => SYNCED_KINDS.findIndex((k) => k.kind === kind);

export function planMove(inputs: MoveInputs): MoveStep[] {
  const admin = new Map(inputs.admin.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const creates: MoveStep[] = [];
  const handOvers: MoveStep[] = [];
  const conflicts: MoveStep[] = [];
  const users = [...inputs.user].sort(
    (a, b) => order(a.kind) - order(b.kind) || a.metadata.name.localeCompare(b.metadata.name),
  );
  for (const u of users) {
    const kind = u.kind as string;
    const name = u.metadata.name;
    const owner = u.metadata.annotations?.[SOURCE_CLUSTER_ANNOTATION];
    if (
      u.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
      owner !== undefined &&
      owner !== inputs.clusterKey
    ) {
      conflicts.push({
        op: 'conflict',
        kind,
        name,
        message: `${kind} ${name} is already managed for Cluster ${owner}`,
        diff: '',
      });
      continue;
    }
    const existing = admin.get(`${kind}/${name}`);
    let generation: number;
    if (existing === undefined) {
      creates.push({ op: 'create-in-admin', kind, name, object: adminCopy(u, inputs.adminNamespace) });
      generation = 1; // the API server gives a new object generation 1
    } else {
      const theirs = content(existing, inputs.adminNamespace);
      const ours = content(u, inputs.adminNamespace);
      if (theirs !== ours) {
        conflicts.push({
          op: 'conflict',
          kind,
          name,
          message: `${kind} ${name} differs between the admin cluster (namespace ${inputs.adminNamespace}) and the user cluster (namespace ${inputs.userNamespace}); make them equal (or delete the admin cluster's) and run again`,
          diff: createTwoFilesPatch(
            `admin cluster ${kind} ${name}`,
            `user cluster ${kind} ${name}`,
            theirs,
            ours,
            '',
            '',
            { context: 3 },
          ),
        });
        continue;
      }
      generation = existing.metadata.generation ?? 1;
    }
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    const annotations: Record<string, string | null> = {
      [SOURCE_CLUSTER_ANNOTATION]: inputs.clusterKey,
      [SOURCE_GENERATION_ANNOTATION]: String(generation),
    };
    if (u.metadata.annotations?.[LAST_APPLIED] !== undefined) annotations[LAST_APPLIED] = null;
    const current = { labels: u.metadata.labels ?? {}, annotations: u.metadata.annotations ?? {} };
    const already =
      current.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
      Object.entries(annotations).every(([k, v]) =>
        v === null ? !(k in current.annotations) : current.annotations[k] === v,
      );
    if (!already)
      handOvers.push({
        op: 'hand-over',
        kind,
        name,
        patch: { metadata: { labels, annotations } },
        uid: u.metadata.uid,
      });
  }
  // All creates before any hand-over: a hand-over names the admin object, which must exist first.
  return [...conflicts, ...creates, ...handOvers];
}

/** The dry run's text: what each step writes, as a diff. */
export function describeMove(
  steps: readonly MoveStep[],
  inputs: Pick<MoveInputs, 'adminNamespace' | 'userNamespace'>,
): string {
  const lines: string[] = [];
  for (const s of steps) {
    if (s.op === 'conflict') {
      lines.push(`! conflict: ${s.message}`);
      if (s.diff !== '')
        lines.push(
          ...s.diff
            .trimEnd()
            .split('\n')
            .slice(2)
            .map((l) => `  ${l}`),
        );
    } else if (s.op === 'create-in-admin') {
      lines.push(`admin cluster: create ${s.kind} ${inputs.adminNamespace}/${s.name}`);
      lines.push(
        ...stringify(s.object)
          .trimEnd()
          .split('\n')
          .map((l) => `+ ${l}`),
      );
    } else {
      lines.push(
        `user cluster: hand ${s.kind} ${inputs.userNamespace}/${s.name} over to the admin cluster (metadata only; spec and uid unchanged)`,
      );
      for (const [k, v] of Object.entries(s.patch.metadata.labels))
        lines.push(`+ metadata.labels["${k}"]: ${v}`);
      for (const [k, v] of Object.entries(s.patch.metadata.annotations))
        lines.push(v === null ? `- metadata.annotations["${k}"]` : `+ metadata.annotations["${k}"]: ${v}`);
    }
  }
  return lines.join('\n');
}
