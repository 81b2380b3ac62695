/**
 * The part of Kubernetes' node lifecycle controller that the lab needs, run with plain `node` on
 * the ctl node: every 250 ms it lists the Nodes and gives each one whose Ready condition is True
 * but whose lastHeartbeatTime is older than --grace ms the condition Ready=Unknown
 * (NodeStatusUnknown), as kube-controller-manager does after --node-monitor-grace-period (40 s;
 * the lab uses seconds). The kubelet (kubelet.ts) sets it back to True when it heartbeats again.
 * Usage: node node-lifecycle.ts --api http://IP:PORT [--grace 5000]
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { api: { type: 'string' }, grace: { type: 'string', default: '5000' } },
});
if (!values.api) {
  process.stderr.write('usage: node-lifecycle.ts --api URL [--grace MS]\n');
  process.exit(2);
}
const api = values.api;
const grace = Number(values.grace);

interface Condition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  [k: string]: unknown;
}
interface Node {
  metadata: { name: string; resourceVersion?: string };
  status?: { conditions?: Condition[]; [k: string]: unknown };
  [k: string]: unknown;
}

const log = (fields: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), ...fields })}\n`);
};

async function tick(): Promise<void> {
  const res = await fetch(`${api}/api/v1/nodes`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET /api/v1/nodes: ${res.status}`);
  const list = (await res.json()) as { items: Node[] };
  for (const node of list.items) {
    const conditions = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') continue;
    const beat = Date.parse(ready.lastHeartbeatTime ?? '');
    if (!Number.isFinite(beat) || Date.now() - beat <= grace) continue;
    const now = new Date().toISOString();
    const updated: Node = {
      ...node,
      apiVersion: 'v1',
      kind: 'Node',
      status: {
        ...node.status,
        conditions: conditions.map((c) =>
          c.type === 'Ready'
            ? {
                ...c,
                status: 'Unknown',
                reason: 'NodeStatusUnknown',
                message: 'Kubelet stopped posting node status.',
                lastTransitionTime: now,
              }
            : c,
        ),
      },
    };
    // resourceVersion in the body: a heartbeat that arrived meanwhile wins (409), checked again next tick.
    const put = await fetch(`${api}/api/v1/nodes/${encodeURIComponent(node.metadata.name)}/status`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(updated),
      signal: AbortSignal.timeout(2000),
    });
    if (put.ok) log({ msg: 'node not ready: no heartbeat', node: node.metadata.name, graceMs: grace });
    else if (put.status !== 409)
      log({ msg: 'status update failed', node: node.metadata.name, status: put.status });
  }
}

let failing = false;
async function loop(): Promise<void> {
  try {
    await tick();
    failing = false;
  } catch (err) {
    if (!failing) log({ msg: 'node lifecycle tick failed', err: String(err) });
    failing = true;
  }
  setTimeout(loop, 250);
}
log({ msg: 'node lifecycle started', graceMs: grace });
void loop();
process.on('SIGTERM', () => process.exit(0));
