/**
 * The event-loop budget scenario for `bgpadvertiser agent`, shared by its netns test and its
 * benchmark: node-a holds a floating IP and peers from it with the ToR (FRR, `timers 3 9`) and
 * with a feeder (AS 65003) that sends a 200k-prefix table, while 4 x 2,000 concurrent
 * `GET /metrics` hit the agent's health server. Needs root and FRR.
 */
import {
  type Feeder,
  gaugeForPeer,
  type HttpLoadResult,
  httpLoad,
  startFeeder,
} from '../../../test/e2e/load-scenario.js';
import type { AgentLab, AgentProcess } from './agent-lab.js';

export const LOAD_FIP = '10.0.1.100';
export const LOAD_VIP = '10.0.0.8/32';
const FEEDER_IP = '10.0.1.250';
/** The agent's peer id for the feeder: its BGPSession's name. */
const FEEDER_SESSION = 'feed-node-a';

export interface AgentLoadResult {
  http: HttpLoadResult;
  dropped: number;
  stateAfter: string | undefined;
  prefixesReceived: number;
  routeAtTor: boolean;
}

/** Builds the lab: the ToR, the feeder's host and node-a, with the cluster objects. */
export async function createAgentLoadLab(name: string): Promise<AgentLab> {
  const { AgentLab } = await import('./agent-lab.js');
  const lab = await AgentLab.create(
    name,
    [{ name: 'node-a', address: '10.0.1.10/24' }],
    [
      { name: 'tor', address: '10.0.1.254/24' },
      { name: 'feed', address: `${FEEDER_IP}/24` },
    ],
  );
  await lab.startTor1Cluster([LOAD_FIP], LOAD_VIP);
  lab.createPeer('feed', {
    localASN: 65001,
    peerASN: 65003,
    peerIP: FEEDER_IP,
    sessions: 1,
    holdTime: 9,
    connectRetryTime: 1,
  });
  lab.createSession('feed', 'node-a', LOAD_FIP, FEEDER_IP, 65001, 65003);
  return lab;
}

/** Starts the agent on node-a (info level: the debug level lists every received prefix). */
export async function startLoadAgent(lab: AgentLab): Promise<AgentProcess> {
  const agent = lab.startAgent('node-a', ['--log-level', 'info']);
  await agent.waitReady();
  await lab.waitFor('the route at the ToR', async () => (await lab.paths(LOAD_VIP)).length > 0, 30_000);
  return agent;
}

/** One run: the feeder's table and the HTTP load at once, with the agent running. */
export async function runAgentLoad(lab: AgentLab, prefixes = 200_000): Promise<AgentLoadResult> {
  const feedHost = lab.routers.get('feed');
  const node = lab.nodes.get('node-a');
  if (!feedHost || !node) throw new Error('createAgentLoadLab builds the feed router and node-a');
  const before = (await lab.neighbor(LOAD_FIP))?.connectionsEstablished ?? 0;
  let feeder: Feeder | undefined;
  // The event-loop delay is a histogram since the previous /metrics render: render once now, so
  // the load's first window starts with the load (not with the agent's start-up).
  await lab.metrics('node-a');
  try {
    feeder = await startFeeder(feedHost, FEEDER_IP, 65003, prefixes);
    await feeder.waitEstablished(45_000);
    const http = await httpLoad(node, 8081);
    await lab.waitFor(
      `the agent to count ${prefixes} prefixes from the feeder`,
      async () =>
        gaugeForPeer(await lab.metrics('node-a'), 'bgplb_bgp_prefixes_received', FEEDER_SESSION) >= prefixes,
      60_000,
      500,
    );
    // Three keepalive intervals of the ToR's 3 s timer after the load: a stall would show by now.
    await new Promise((r) => setTimeout(r, 9_000));
    const after = await lab.neighbor(LOAD_FIP);
    return {
      http,
      dropped: (after?.connectionsEstablished ?? 0) - before,
      stateAfter: after?.bgpState,
      prefixesReceived: gaugeForPeer(
        await lab.metrics('node-a'),
        'bgplb_bgp_prefixes_received',
        FEEDER_SESSION,
      ),
      routeAtTor: (await lab.paths(LOAD_VIP)).length > 0,
    };
  } finally {
    feeder?.stop();
  }
}
