/**
 * The kubelet of a simulated node, run with plain `node` inside the node's namespace:
 * - posts the Node's Ready condition with a fresh lastHeartbeatTime every --interval ms, over the
 *   node's own network path to the API server (so a node whose links go down stops heartbeating
 *   and the lab's node lifecycle loop marks it NotReady, as the real node lifecycle controller does);
 * - serves the node's workload: on every TCP port of --ports it answers each connection at once
 *   with a small HTTP response whose body is the node name (Service VIPs are local addresses on
 *   the load-balancer nodes, as kube-proxy would make them), so a client can tell who answered.
 * Usage: node kubelet.ts --api http://IP:PORT --node NAME [--interval 1000] [--ports 80,443]
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    node: { type: 'string' },
    interval: { type: 'string', default: '1000' },
    ports: { type: 'string', default: '' },
  },
});
const api = values.api;
const node = values.node;
if (!api || !node) {
  process.stderr.write('usage: kubelet.ts --api URL --node NAME [--interval MS] [--ports P1,P2]\n');
  process.exit(2);
}
const intervalMs = Number(values.interval);

const body = `${node}\n`;
const response = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
for (const port of values.ports.split(',').filter((p) => p !== '')) {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(response);
  });
  server.listen(Number(port), '0.0.0.0');
}

const nodeUrl = `${api}/api/v1/nodes/${encodeURIComponent(node)}`;
let lastTransition = new Date().toISOString();

async function beat(): Promise<void> {
  const signal = AbortSignal.timeout(Math.max(500, intervalMs));
  const current = (await (await fetch(nodeUrl, { signal })).json()) as {
    status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
  };
  const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
  const now = new Date().toISOString();
  if (ready?.status === 'True' && ready.lastTransitionTime) lastTransition = ready.lastTransitionTime;
  else lastTransition = now;
  const patch = {
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status (bgplb e2e simulation)',
          lastHeartbeatTime: now,
          lastTransitionTime: lastTransition,
        },
      ],
    },
  };
  const res = await fetch(`${nodeUrl}/status`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify(patch),
    signal,
  });
  if (!res.ok) throw new Error(`PATCH ${nodeUrl}/status: ${res.status} ${await res.text()}`);
}

let failing = false;
async function loop(): Promise<void> {
  try {
    await beat();
    if (failing) process.stdout.write(`${JSON.stringify({ msg: 'heartbeat resumed', node })}\n`);
    failing = false;
  } catch (err) {
    if (!failing)
      process.stdout.write(`${JSON.stringify({ msg: 'heartbeat failed', node, err: String(err) })}\n`);
    failing = true;
  }
  setTimeout(loop, intervalMs);
}
process.stdout.write(`${JSON.stringify({ msg: 'kubelet started', node, ports: values.ports })}\n`);
void loop();
process.on('SIGTERM', () => process.exit(0));
