/**
 * The event-loop budget scenario of the hardening work, shared by the netns test (which asserts
 * that no session drops) and the benchmark (which reports the event-loop delay): a ToR (FRR, AS
 * 65002, `timers 3 9`) peers with `bgpadvertiser` on cp1 while a second peer, the feeder (AS
 * 65003), sends it a 200k-prefix table and `rounds` x `concurrency` simultaneous `GET /metrics`
 * hit its health server. Needs root and FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, type Lab, waitFor } from '@bgplb/netns-lab';
import {
  type AdvertiserProcess,
  frrNextHops,
  shippedNodeFlags,
  startAdvertiser,
  torAndNode,
  writeConfig,
} from './harness.js';

const here = new URL('.', import.meta.url).pathname;
export const HEALTH_PORT = 18080;
const VIP = '10.0.0.8';

export interface LoadTopology {
  tor: Host;
  node: Host;
  feeder: Host;
  frr: FrrRouter;
}

export interface LoadResult {
  /** FRR's view of its session with the advertiser, before and after the load. */
  before: FrrNeighbor;
  after: FrrNeighbor;
  /** What the HTTP load generator saw, with the event-loop delay it read from /metrics. */
  http: {
    ok: number;
    status: Record<string, number>;
    errors: number;
    renders: number;
    p99Max: number;
    max: number;
  };
  /** Prefixes the advertiser counted from the feeder. */
  prefixesReceived: number;
  vipAtTor: boolean;
}

export interface FrrNeighbor {
  bgpState?: string;
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastResetDueTo?: string;
}

export async function buildLoadTopology(lab: Lab): Promise<LoadTopology> {
  const { tor, node, frr } = await torAndNode(lab, [' neighbor 10.0.1.10 timers 3 9']);
  const feeder = await lab.addHost('feed');
  await lab.link(feeder, '10.0.2.254/24', node, '10.0.2.10/24');
  await feeder.ip('route', 'add', 'default', 'via', '10.0.2.10');
  return { tor, node, feeder, frr };
}

export async function frrNeighbor(frr: FrrRouter): Promise<FrrNeighbor> {
  const all = await frr.json<Record<string, FrrNeighbor>>('show bgp neighbors 10.0.1.10 json');
  return all['10.0.1.10'] ?? {};
}

function jsonLines(child: { stdout: NodeJS.ReadableStream | null }): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  return lines;
}

/** Starts the advertiser and the feeder; resolves once FRR has the VIP. */
export async function startAdvertiserUnderTest(t: LoadTopology, workDir: string): Promise<AdvertiserProcess> {
  const config = writeConfig(
    join(workDir, 'load.conf'),
    [
      'localIP: 10.0.1.10',
      'localASN: 65001',
      'holdTime: 9',
      'connectRetryTime: 1',
      'peers:',
      '- peerIP: 10.0.1.254',
      '  peerASN: 65002',
      '- peerIP: 10.0.2.254',
      '  peerASN: 65003',
      '',
    ].join('\n'),
  );
  const adv = startAdvertiser(
    t.node,
    [
      '--config',
      config,
      '--advertise-ip',
      VIP,
      '--vip-interface',
      'lo',
      '--health-addr',
      `127.0.0.1:${HEALTH_PORT}`,
    ],
    shippedNodeFlags(),
  );
  await waitFor(
    'FRR to learn the VIP',
    async () => (await frrNextHops(t.frr, `${VIP}/32`)).length === 1,
    30_000,
  );
  return adv;
}

export type HttpLoadResult = LoadResult['http'];

/**
 * `rounds` x `concurrency` simultaneous `GET /metrics` on `127.0.0.1:port` inside `host`, from a
 * separate process; resolves with what it saw (see metrics-load.ts).
 */
export async function httpLoad(
  host: Host,
  port: number,
  rounds = 4,
  concurrency = 2_000,
): Promise<HttpLoadResult> {
  // 2,000 sockets at once need more than the usual 1024 descriptors in the client (raised to the
  // hard limit; not in the server, whose limits are under test). The script has no imports: Node
  // runs it as is.
  const load = host.spawn(
    'sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)"; exec "$@"',
      'sh',
      process.execPath,
      join(here, 'metrics-load.ts'),
      '127.0.0.1',
      String(port),
      String(rounds),
      String(concurrency),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = jsonLines(load);
  await new Promise<void>((resolve) => load.on('exit', () => resolve()));
  const result = lines[0] as unknown as HttpLoadResult | undefined;
  if (!result) throw new Error('the HTTP load generator printed no result');
  return result;
}

/** A running route feeder (route-feeder.ts) on `host`. */
export interface Feeder {
  waitEstablished(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Starts the feeder on `host`, listening on `address`:179, and waits until it listens. */
export async function startFeeder(
  host: Host,
  address: string,
  asn: number,
  prefixes: number,
): Promise<Feeder> {
  const child = host.spawnNode(join(here, 'route-feeder.ts'), [address, String(asn), String(prefixes)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = jsonLines(child);
  const stop = () => {
    child.stdin?.end();
    child.kill('SIGTERM');
  };
  try {
    await waitFor('the feeder to listen', () => lines.some((l) => l.listening), 15_000);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    waitEstablished: async (timeoutMs = 30_000) => {
      await waitFor('the feeder session', () => lines.some((l) => l.established), timeoutMs);
    },
    stop,
  };
}

/** The value of `name{..., peer="<peer>", ...}` in a /metrics text (0 when absent); `peer` is the
 * speaker's peer id: the peer address for the control-plane advertiser, the BGPSession name in the agent. */
export function gaugeForPeer(text: string, name: string, peer: string): number {
  const m = text.match(
    new RegExp(`^${name}\\{[^}]*peer="${peer.replaceAll('.', '\\.')}"[^}]*\\} (\\S+)$`, 'm'),
  );
  return m ? Number(m[1]) : 0;
}

/** One run: the feeder's table and the HTTP load at once. The advertiser must be running. */
export async function runLoad(
  t: LoadTopology,
  prefixes = 200_000,
  rounds = 4,
  concurrency = 2_000,
): Promise<LoadResult> {
  const before = await frrNeighbor(t.frr);
  const received = async () =>
    gaugeForPeer(
      await t.node.exec('curl', ['-s', '-m', '5', `http://127.0.0.1:${HEALTH_PORT}/metrics`]),
      'bgplb_bgp_prefixes_received',
      '10.0.2.254',
    );
  // The event-loop delay is a histogram since the previous /metrics render: render once now, so
  // the load's first window starts with the load (not with the process's start-up).
  await received();
  const feeder = await startFeeder(t.feeder, '10.0.2.254', 65003, prefixes);
  try {
    await feeder.waitEstablished();
    const http = await httpLoad(t.node, HEALTH_PORT, rounds, concurrency);
    await waitFor(
      `the advertiser to count ${prefixes} prefixes from the feeder`,
      async () => (await received()) >= prefixes,
      60_000,
      500,
    );
    // Three keepalive intervals of FRR's 3 s timer after the load: a stall would show by now.
    await new Promise((r) => setTimeout(r, 9_000));
    return {
      before,
      after: await frrNeighbor(t.frr),
      http,
      prefixesReceived: await received(),
      vipAtTor: (await frrNextHops(t.frr, `${VIP}/32`)).length === 1,
    };
  } finally {
    feeder.stop();
  }
}
