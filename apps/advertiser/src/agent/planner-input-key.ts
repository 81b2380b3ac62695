/**
 * What of a watched list the agent's session planner reads, as one comparable string: every
 * object without its `status` and without the API server's bookkeeping (`metadata.resourceVersion`,
 * `metadata.managedFields`). Two lists with the same key plan the same sessions.
 *
 * Why: the agent writes BGPSession.status itself (every 250 ms while a large table arrives, and
 * as a heartbeat), and each write comes back through its own watch. Without this comparison every
 * one of them started a reconcile round, whose `ip addr show` forks the whole process on the
 * event loop (3-5 ms of CPU in one turn with a large heap), followed by a full session plan.
 */
export function plannerInputKey(list: readonly unknown[]): string {
  return JSON.stringify(list.map(withoutBookkeeping));
}

function withoutBookkeeping(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const { status: _status, metadata, ...rest } = raw as Record<string, unknown>;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    return { ...rest, metadata };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata as Record<string, unknown>;
  return { ...rest, metadata: meta };
}
