import { rfc3339 } from './duration.js';
import type { ObjectStore } from './objects.js';
import type { KubeObject } from './types.js';

/**
 * A small node lifecycle controller, as kube-controller-manager runs one: a Node whose kubelet
 * stopped heartbeating (its Lease in kube-node-lease, or its Ready condition's
 * lastHeartbeatTime) for longer than the grace period gets every condition set to `Unknown`
 * (reason NodeStatusUnknown) and the `node.kubernetes.io/unreachable` taints; the taints go when
 * the node reports Ready=True again. Nodes that never heartbeated are left alone.
 */
export interface NodeLifecycleOptions {
  /** kube-controller-manager's --node-monitor-grace-period (its default is 40-50 s). */
  gracePeriodSeconds: number;
  /** How often nodes are checked (default 1000 ms). */
  periodMs?: number;
}

type Obj = Record<string, unknown>;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

function lastHeartbeat(node: KubeObject, lease: KubeObject | undefined): number | undefined {
  const times: number[] = [];
  const renew = (lease?.spec as Obj | undefined)?.renewTime;
  if (typeof renew === 'string') times.push(Date.parse(renew));
  const conditions = ((node.status as Obj | undefined)?.conditions ?? []) as Obj[];
  const ready = Array.isArray(conditions) ? conditions.find((c) => c.type === 'Ready') : undefined;
  if (typeof ready?.lastHeartbeatTime === 'string') times.push(Date.parse(ready.lastHeartbeatTime));
  const valid = times.filter((t) => !Number.isNaN(t));
  return valid.length === 0 ? undefined : Math.max(...valid);
}

function taints(node: KubeObject): Obj[] {
  const t = (node.spec as Obj | undefined)?.taints;
  return Array.isArray(t) ? (t as Obj[]) : [];
}

/** One pass over all Nodes; returns the names of nodes it marked unreachable. */
export function checkNodes(store: ObjectStore, gracePeriodSeconds: number, now = Date.now()): string[] {
  const marked: string[] = [];
  for (const node of store.list('v1', 'Node')) {
    const name = node.metadata.name ?? '';
    const lease = store.get('coordination.k8s.io/v1', 'Lease', name, 'kube-node-lease');
    const last = lastHeartbeat(node, lease);
    const conditions = (((node.status as Obj | undefined)?.conditions ?? []) as Obj[]).filter(
      (c) => typeof c === 'object',
    );
    const ready = conditions.find((c) => c.type === 'Ready');
    const hasTaint = taints(node).some((t) => t.key === UNREACHABLE);
    if (last !== undefined && now - last > gracePeriodSeconds * 1000 && ready?.status !== 'Unknown') {
      const at = rfc3339(new Date(now));
      const next = CONDITIONS.map((type) => {
        const old = conditions.find((c) => c.type === type) ?? { type };
        return {
          ...old,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastTransitionTime: at,
        };
      });
      const others = conditions.filter((c) => !CONDITIONS.includes(String(c.type)));
      store.updateStatus({ ...node, status: { ...(node.status as Obj), conditions: [...next, ...others] } });
      if (!hasTaint) {
        const fresh = store.get('v1', 'Node', name)!;
        const added = [
          { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: at },
          { key: UNREACHABLE, effect: 'NoExecute', timeAdded: at },
        ];
        store.update({ ...fresh, spec: { ...(fresh.spec as Obj), taints: [...taints(fresh), ...added] } });
      }
      marked.push(name);
    } else if (ready?.status === 'True' && hasTaint) {
      const kept = taints(node).filter((t) => t.key !== UNREACHABLE);
      const spec: Obj = { ...(node.spec as Obj) };
      if (kept.length > 0) spec.taints = kept;
      else delete spec.taints;
      store.update({ ...node, spec });
    }
  }
  return marked;
}

/** Runs `checkNodes` every period until the returned function is called. */
export function startNodeLifecycle(store: ObjectStore, options: NodeLifecycleOptions): () => void {
  const timer = setInterval(() => {
    try {
      checkNodes(store, options.gracePeriodSeconds);
    } catch {
      // A conflicting write by a test or the simulated kubelet: the next pass retries.
    }
  }, options.periodMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
