/**
 * The kubelet of a simulated node, run with plain `node` inside the node's namespace:
 * - posts the Node's Ready condition with a fresh lastHeartbeatTime every --interval ms, over the
 *   node's own network path to the API server (so a node whose links go down stops heartbeating
 *   and the test API server's node lifecycle controller marks it Ready=Unknown, as kube-controller-manager does);
 * - serves the node's workload: on every TCP port of --ports it answers each connection at once
 *   with a small HTTP response whose body is the node name (Service VIPs are local addresses on
 *   the load-balancer nodes, as kube-proxy would make them), so a client can tell who answered,
 *   and whose X-Client-Address header is the source address the node saw.
 * - registers the Node (InternalIP, control-plane role label) when it does not exist yet, as a
 *   kubelet does on its first start (--internal-ip, --control-plane).
 * Usage: node kubelet.ts --api http://IP:PORT --node NAME [--internal-ip IP[,IPv6]] [--control-plane]
 *                        [--interval 1000] [--ports 80,443]
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    node: { type: 'string' },
    interval: { type: 'string', default: '1000' },
    ports: { type: 'string', default: '' },
    'internal-ip': { type: 'string' },
    'control-plane': { type: 'boolean', default: false },
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
// X-Client-Address: the source address the backend saw (externalTrafficPolicy: Local keeps the
// client's own address; a masquerading hop would show its own).
const response = (client: string | undefined) =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nX-Client-Address: ${client ?? '?'}\r\nConnection: close\r\n\r\n${body}`;
for (const port of values.ports.split(',').filter((p) => p !== '')) {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    // An IPv4 client on the dual-stack socket shows as ::ffff:a.b.c.d: report it as a.b.c.d.
    socket.end(response(socket.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, '')));
  });
  // `::` (dual stack, IPv4 as ::ffff:a.b.c.d): Service VIPs of both families answer.
  server.listen({ port: Number(port), host: '::', ipv6Only: false });
}

const nodeUrl = `${api}/api/v1/nodes/${encodeURIComponent(node)}`;
let lastTransition = new Date().toISOString();

async function register(signal: AbortSignal): Promise<void> {
  const ip = values['internal-ip'];
  if (!ip) throw new Error(`Node ${node} does not exist and --internal-ip is not given`);
  const now = new Date().toISOString();
  const body = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node,
      labels: {
        'kubernetes.io/hostname': node,
        ...(values['control-plane'] ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: {},
    status: {
      // One InternalIP per family on a dual-stack node (`--internal-ip IPv4,IPv6`, as --node-ip).
      addresses: [
        ...ip.split(',').map((address) => ({ type: 'InternalIP', address: address.trim() })),
        { type: 'Hostname', address: node },
      ],
    },
  };
  const res = await fetch(`${api}/api/v1/nodes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok && res.status !== 409) throw new Error(`POST /api/v1/nodes: ${res.status} ${await res.text()}`);
  // create drops status (status subresource): write the addresses through /status
  const patch = await fetch(`${nodeUrl}/status`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ status: { addresses: body.status.addresses } }),
    signal,
  });
  if (!patch.ok) throw new Error(`PATCH ${nodeUrl}/status: ${patch.status}`);
  process.stdout.write(`${JSON.stringify({ msg: 'node registered', node, internalIP: ip, at: now })}\n`);
}

async function beat(): Promise<void> {
  const signal = AbortSignal.timeout(Math.max(500, intervalMs));
  let got = await fetch(nodeUrl, { signal });
  if (got.status === 404) {
    await register(signal);
    got = await fetch(nodeUrl, { signal });
  }
  if (!got.ok) throw new Error(`GET ${nodeUrl}: ${got.status}`);
  const current = (await got.json()) as {
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
