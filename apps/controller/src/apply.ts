/**
 * Executes a plan against the API: idempotent writes with resourceVersion checks. A 409 on an
 * update is retried on a fresh read (the desired content is re-applied to the newest version); a
 * 409 on a status write whose decision depended on the state we read is left to the next
 * reconcile (level-triggered), which sees the new state. Writes run in the plan's phases, each
 * phase with bounded concurrency.
 */

import { ApiError, isStatus, type KubeClient, paths } from '@bgplb/kube-runtime';
import type { Logger } from 'pino';
import { DRAIN_STARTED_ANNOTATION, LABELS, MANAGED_BY } from './names.js';
import type { Write } from './plan.js';
import type { EventSpec, KubeObject } from './types.js';

export interface ApplyContext {
  client: KubeClient;
  group: string;
  version: string;
  log: Logger;
  /** Parallel requests per phase. */
  concurrency?: number;
  /** Called with every object as the server returned it after a write (or `deleted`). */
  onWritten?: (resource: string, namespace: string, name: string, object: KubeObject | 'deleted') => void;
  /**
   * Called as a create or update of an owned object is sent; the returned function when it has
   * settled (answered or failed). The watch may deliver the new version before the answer.
   */
  onSending?: (resource: string, namespace: string, name: string) => () => void;
}

export interface ApplyResult {
  written: number;
  /** Writes that lost a race and need another reconcile. */
  conflicts: number;
  errors: { write: Write; error: unknown }[];
  /** Names of objects left alone because someone else owns them. */
  foreign: string[];
  events: EventSpec[];
}

const MAX_ATTEMPTS = 5;

function phaseOf(w: Write): number {
  switch (w.op) {
    case 'node-drain-started':
    case 'service-status':
      return 0;
    case 'gateway-status':
      return 1;
    case 'create':
    case 'update':
      return 2;
    case 'delete':
      return 3;
    case 'conditions':
    case 'route-status':
      return 4;
  }
}

type GatewayStatus = { floatingIPs: Record<string, string>; nodes: Record<string, string> };

/** A JSON merge patch turning status `from` into `to` (removed map keys become null). */
export function statusPatch(
  from: Partial<GatewayStatus> | undefined,
  to: GatewayStatus,
): Record<string, Record<string, string | null>> {
  const out: Record<string, Record<string, string | null>> = {};
  for (const field of ['floatingIPs', 'nodes'] as const) {
    const patch: Record<string, string | null> = { ...to[field] };
    for (const key of Object.keys(from?.[field] ?? {})) if (!(key in to[field])) patch[key] = null;
    out[field] = patch;
  }
  return out;
}

async function runLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

function sessionRef(
  name: string,
  namespace: string,
  apiVersion: string,
  uid?: string,
): EventSpec['involved'] {
  const ref: EventSpec['involved'] = { apiVersion, kind: 'BGPSession', namespace, name };
  if (uid !== undefined) ref.uid = uid;
  return ref;
}

/** Applies `writes` in order of phases. Never throws: failures are returned. */
export async function applyWrites(writes: readonly Write[], ctx: ApplyContext): Promise<ApplyResult> {
  const result: ApplyResult = { written: 0, conflicts: 0, errors: [], foreign: [], events: [] };
  const { client, group, version, log } = ctx;
  const apiVersion = `${group}/${version}`;
  const own = (resource: string, namespace: string, name?: string, sub?: string) =>
    paths.group(group, version, resource, namespace, name, sub);
  const written = (resource: string, namespace: string, name: string, object: KubeObject | 'deleted') => {
    result.written++;
    ctx.onWritten?.(resource, namespace, name, object);
  };

  const one = async (w: Write): Promise<void> => {
    switch (w.op) {
      case 'service-status': {
        const path = paths.core('services', w.namespace, w.name, 'status');
        // One entry per VIP, in the Service's ipFamilies order (dual-stack: one of each family).
        const ingress =
          w.vip === null
            ? null
            : [w.vip, ...(w.secondVip === undefined ? [] : [w.secondVip])].map((ip) => ({
                ip,
                ipMode: 'VIP',
              }));
        let rv = w.resourceVersion;
        for (let attempt = 1; ; attempt++) {
          try {
            const metadata = rv === undefined ? {} : { resourceVersion: rv };
            const out = await client.mergePatch<KubeObject>(path, {
              metadata,
              status: { loadBalancer: { ingress } },
            });
            written('services', w.namespace, w.name, out);
            return;
          } catch (err) {
            if (isStatus(err, 404)) return; // the Service is gone: nothing to write
            if (!isStatus(err, 409) || attempt >= MAX_ATTEMPTS) throw err;
            // Retry only if nobody else changed the status we based the decision on.
            const fresh = await client.get<{
              metadata: { resourceVersion?: string };
              status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
            }>(paths.core('services', w.namespace, w.name));
            if (fresh.status?.loadBalancer?.ingress?.[0]?.ip !== w.previous) {
              result.conflicts++;
              return;
            }
            rv = fresh.metadata.resourceVersion;
          }
        }
      }
      case 'gateway-status': {
        const path = own('networkgatewaygroups', w.namespace, w.name, 'status');
        try {
          const metadata = w.resourceVersion === undefined ? {} : { resourceVersion: w.resourceVersion };
          // One merge patch, atomic: keys that disappeared are set to null.
          const out = await client.mergePatch<KubeObject>(path, {
            metadata,
            status: statusPatch(w.previous, w.status),
          });
          written('networkgatewaygroups', w.namespace, w.name, out);
        } catch (err) {
          if (isStatus(err, 409)) {
            result.conflicts++; // the assignment was computed from an older status: recompute
            return;
          }
          if (isStatus(err, 404)) return;
          throw err;
        }
        return;
      }
      case 'create': {
        // Read once: the plan may build the body on each read (plan.ts, lazyWrite).
        const object = w.object;
        const ns = object.metadata.namespace ?? '';
        const name = object.metadata.name;
        const settled = ctx.onSending?.(w.resource, ns, name);
        try {
          const out = await client.create<KubeObject>(own(w.resource, ns), object);
          written(w.resource, ns, name, out);
          if (w.resource === 'bgpsessions') {
            const spec = object.spec as { nodeName: string; peerIP: string; floatingIP?: string };
            result.events.push({
              involved: sessionRef(name, ns, apiVersion, out.metadata.uid),
              type: 'Normal',
              reason: 'SessionCreated',
              message: `BGP session to ${spec.peerIP} from ${spec.floatingIP ?? '?'} on node ${spec.nodeName}`,
            });
          }
          return;
        } catch (err) {
          if (!isStatus(err, 409)) throw err;
        } finally {
          settled?.();
        }
        // AlreadyExists: adopt it if it is ours (e.g. created just before a crash), else leave it.
        const existing = await client.get<KubeObject>(own(w.resource, ns, name));
        if (existing.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY) {
          result.foreign.push(`${w.resource}/${name}`);
          return;
        }
        await one({
          op: 'update',
          resource: w.resource,
          object: {
            ...object,
            metadata: {
              ...existing.metadata,
              labels: { ...existing.metadata.labels, ...object.metadata.labels },
            },
          },
        });
        return;
      }
      case 'update': {
        const object = w.object; // read once, as for a create
        const ns = object.metadata.namespace ?? '';
        const name = object.metadata.name;
        let body = object;
        for (let attempt = 1; ; attempt++) {
          const settled = ctx.onSending?.(w.resource, ns, name);
          try {
            const out = await client.replace<KubeObject>(own(w.resource, ns, name), body);
            written(w.resource, ns, name, out);
            return;
          } catch (err) {
            if (!isStatus(err, 409) || attempt >= MAX_ATTEMPTS) throw err;
          } finally {
            settled?.();
          }
          const fresh = await client.get<KubeObject>(own(w.resource, ns, name));
          body = {
            ...fresh,
            spec: object.spec,
            metadata: {
              ...fresh.metadata,
              labels: { ...fresh.metadata.labels, ...object.metadata.labels },
              ...(object.metadata.ownerReferences
                ? { ownerReferences: object.metadata.ownerReferences }
                : {}),
            },
          };
        }
      }
      case 'delete': {
        try {
          const body = w.uid === undefined ? undefined : { preconditions: { uid: w.uid } };
          await client.delete(own(w.resource, w.namespace, w.name), body);
          written(w.resource, w.namespace, w.name, 'deleted');
          if (w.resource === 'bgpsessions') {
            result.events.push({
              involved: sessionRef(w.name, w.namespace, apiVersion, w.uid),
              type: 'Normal',
              reason: 'SessionRemoved',
              message: `BGP session ${w.name} removed`,
            });
          }
        } catch (err) {
          if (isStatus(err, 404)) return;
          if (isStatus(err, 409)) {
            result.conflicts++; // replaced by a new object of the same name: decide again
            return;
          }
          throw err;
        }
        return;
      }
      case 'node-drain-started': {
        // A merge patch of our one annotation: no resourceVersion, as no other field is decided on.
        try {
          const out = await client.mergePatch<KubeObject>(paths.core('nodes', undefined, w.name), {
            metadata: { annotations: { [DRAIN_STARTED_ANNOTATION]: w.value } },
          });
          written('nodes', '', w.name, out);
        } catch (err) {
          if (isStatus(err, 404)) return; // the Node is gone, and its drain with it
          throw err;
        }
        return;
      }
      case 'route-status': {
        const path = own('bgpadvertisedroutes', w.namespace, w.name, 'status');
        try {
          const out = await client.mergePatch<KubeObject>(path, { status: w.status });
          written('bgpadvertisedroutes', w.namespace, w.name, out);
        } catch (err) {
          if (isStatus(err, 404)) return; // deleted meanwhile: the next reconcile decides again
          throw err;
        }
        return;
      }
      case 'conditions': {
        try {
          const out = await client.mergePatch<KubeObject>(own(w.resource, w.namespace, w.name, 'status'), {
            status: { conditions: w.conditions },
          });
          written(w.resource, w.namespace, w.name, out);
        } catch (err) {
          if (isStatus(err, 404)) return;
          throw err;
        }
        return;
      }
    }
  };

  const phases = new Map<number, Write[]>();
  for (const w of writes) {
    const p = phaseOf(w);
    const list = phases.get(p) ?? [];
    list.push(w);
    phases.set(p, list);
  }
  for (const p of [...phases.keys()].sort()) {
    await runLimited(phases.get(p)!, ctx.concurrency ?? 16, async (w) => {
      try {
        await one(w);
      } catch (error) {
        result.errors.push({ write: w, error });
        log.warn(
          {
            op: w.op,
            err:
              error instanceof ApiError
                ? { status: error.status, reason: error.reason, message: error.message }
                : String(error),
          },
          'write failed',
        );
      }
    });
  }
  return result;
}
