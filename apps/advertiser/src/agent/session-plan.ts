/**
 * Session planner: the BGPSession objects of this node -> the speaker peers to run, and the
 * sessions refused with the reason that goes into their status. Pure: it only reads its inputs.
 *
 * A session runs only from a floating IP that this node really holds (assigned to it in the
 * NetworkGatewayGroup AND on an interface). Anything else is refused, never announced.
 */
import {
  type BfdSettings,
  type BGPPeer,
  type BGPSession,
  formatProblem,
  parseBGPPeer,
  parseBGPSession,
  resolveTimers,
} from '@bgplb/api-types';
import type { PeerOptions } from '@bgplb/bgp-fsm';

/**
 * Speaker settings of one service session (everything that, when changed, needs a new session):
 * bgp-fsm's peer options with every default resolved, plus what the agent keeps in its own terms.
 */
export type SessionPeerConfig = Required<
  Pick<
    PeerOptions,
    | 'id'
    | 'localAddress'
    | 'localAsn'
    | 'peerAddress'
    | 'peerAsn'
    | 'peerPort'
    | 'holdTime'
    | 'keepaliveTime'
    | 'connectRetryTime'
  >
> &
  AgentSessionSettings;

interface AgentSessionSettings {
  addPath: boolean;
  gracefulRestartTime: number;
  /** BFD to the peer (an extension), from BGPPeer `spec.bfd`; absent = off. */
  bfd?: BfdSettings | undefined;
  /** Name of the BGPPeer the timers came from, when one was found. */
  bgpPeer?: string | undefined;
}

export interface DesiredSession {
  name: string;
  floatingIP: string;
  config: SessionPeerConfig;
  /** Stable text of `config`: a change means remove and re-add the peer. */
  fingerprint: string;
}

export interface SessionPlanInput {
  node: string;
  /** Raw BGPSession objects (field selector spec.nodeName=<node>). */
  sessions: readonly unknown[];
  /** Raw BGPPeer objects of the cluster namespace (for timers and BFD). */
  peers: readonly unknown[];
  /** NetworkGatewayGroup status.floatingIPs (ip -> node); empty when there is none. */
  assignments: Readonly<Record<string, string>>;
  /** Whether a NetworkGatewayGroup `default` exists (for a clearer refusal message). */
  gatewayGroupFound: boolean;
  /** Floating IPs this node holds right now (assigned and on an interface). */
  held: ReadonlySet<string>;
  /** Floating IPs assigned to this node that could not be placed, with why. */
  floatingIPProblems: ReadonlyMap<string, string>;
  /** BGP port of the peers (179; tests use others). */
  peerPort: number;
  /** Graceful-restart time advertised to the peers, seconds. */
  gracefulRestartTime: number;
  /** ConnectRetry when the BGPPeer sets none, seconds (short: failover speed depends on it). */
  defaultConnectRetryTime: number;
}

export interface SessionPlan {
  desired: Map<string, DesiredSession>;
  /** Session name -> why it does not run. */
  refused: Map<string, string>;
  /** Names of sessions without a floating IP (control-plane sessions, not the agent's). */
  ignored: string[];
}

/** `metadata.name` of a raw Kubernetes object, when it is a non-empty string. */
export function nameOf(raw: unknown): string | undefined {
  const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Label the controller puts on every BGPSession: the BGPPeer name (or the control-plane peer IP). */
export const PEER_LABEL = 'networking.gke.io/peer';

/**
 * The BGPPeer a session belongs to: the one its `networking.gke.io/peer` label names, else
 * `<peer>-<node>` by name, else the one with the same peer IP and ASNs.
 */
export function findBGPPeer(session: BGPSession, peers: readonly BGPPeer[]): BGPPeer | undefined {
  const label = session.metadata.labels?.[PEER_LABEL];
  if (label !== undefined) {
    const byLabel = peers.find((p) => p.metadata.name === label);
    if (byLabel) return byLabel;
  }
  const suffix = `-${session.spec.nodeName}`;
  const name = session.metadata.name;
  if (name.endsWith(suffix)) {
    const peerName = name.slice(0, -suffix.length);
    const byName = peers.find((p) => p.metadata.name === peerName);
    if (byName) return byName;
  }
  return peers.find(
    (p) =>
      p.spec.peerIP === session.spec.peerIP &&
      p.spec.peerASN === session.spec.peerASN &&
      p.spec.localASN === session.spec.localASN,
  );
}

function refusalForFloatingIP(ip: string, input: SessionPlanInput): string | undefined {
  if (input.held.has(ip)) return undefined;
  const problem = input.floatingIPProblems.get(ip);
  if (problem !== undefined) return problem;
  if (!input.gatewayGroupFound) {
    return `floating IP ${ip} is not held by node ${input.node}: there is no NetworkGatewayGroup "default"`;
  }
  const holder = input.assignments[ip];
  if (holder === undefined || holder === '') {
    return `floating IP ${ip} is not assigned to any node in the NetworkGatewayGroup; node ${input.node} does not hold it`;
  }
  if (holder !== input.node) {
    return `floating IP ${ip} is assigned to node ${holder}, not to ${input.node}: this node does not hold it`;
  }
  return `floating IP ${ip} is assigned to node ${input.node} but is not on any interface yet`;
}

export function planSessions(input: SessionPlanInput): SessionPlan {
  const peers: BGPPeer[] = [];
  for (const raw of input.peers) {
    const parsed = parseBGPPeer(raw);
    if (parsed.ok) peers.push(parsed.value);
  }
  const desired = new Map<string, DesiredSession>();
  const refused = new Map<string, string>();
  const ignored: string[] = [];
  const byAddressPair = new Map<string, string>();

  const sorted = [...input.sessions].sort((a, b) => (nameOf(a) ?? '').localeCompare(nameOf(b) ?? ''));
  for (const raw of sorted) {
    const name = nameOf(raw);
    if (name === undefined) continue;
    const parsed = parseBGPSession(raw);
    if (!parsed.ok) {
      refused.set(name, `invalid BGPSession: ${parsed.problems.map(formatProblem).join('; ')}`);
      continue;
    }
    const session = parsed.value;
    if (session.spec.nodeName !== input.node) continue;
    const fip = session.spec.floatingIP;
    if (fip === undefined) {
      ignored.push(name);
      continue;
    }
    if (session.spec.localASN === session.spec.peerASN) {
      refused.set(
        name,
        `localASN and peerASN are both ${session.spec.localASN}: bgplb peers over eBGP only, the ASNs must differ`,
      );
      continue;
    }
    const notHeld = refusalForFloatingIP(fip, input);
    if (notHeld !== undefined) {
      refused.set(name, notHeld);
      continue;
    }
    const pair = `${fip}>${session.spec.peerIP}`;
    const first = byAddressPair.get(pair);
    if (first !== undefined) {
      refused.set(
        name,
        `duplicate of BGPSession ${first}: both peer from ${fip} to ${session.spec.peerIP}, only one session per address pair can run`,
      );
      continue;
    }
    byAddressPair.set(pair, name);
    const bgpPeer = findBGPPeer(session, peers);
    const timers = resolveTimers(
      bgpPeer
        ? {
            ...(bgpPeer.spec.holdTime !== undefined ? { holdTime: bgpPeer.spec.holdTime } : {}),
            ...(bgpPeer.spec.keepaliveTime !== undefined
              ? { keepaliveTime: bgpPeer.spec.keepaliveTime }
              : {}),
          }
        : undefined,
    );
    const config: SessionPeerConfig = {
      id: name,
      localAddress: fip,
      localAsn: session.spec.localASN,
      peerAddress: session.spec.peerIP,
      peerAsn: session.spec.peerASN,
      peerPort: input.peerPort,
      holdTime: timers.holdTime,
      keepaliveTime: timers.keepaliveTime,
      connectRetryTime: bgpPeer?.spec.connectRetryTime ?? input.defaultConnectRetryTime,
      addPath: true,
      gracefulRestartTime: input.gracefulRestartTime,
      // Like the timers: a BGPPeer change of `bfd` changes the fingerprint, so the session restarts.
      ...(bgpPeer?.spec.bfd !== undefined ? { bfd: bgpPeer.spec.bfd } : {}),
      bgpPeer: bgpPeer?.metadata.name,
    };
    desired.set(name, { name, floatingIP: fip, config, fingerprint: JSON.stringify(config) });
  }
  return { desired, refused, ignored };
}

export interface PeerDiff {
  /** Running peers to stop (gone, refused, or changed). */
  remove: string[];
  /** Sessions to start (new, or changed). */
  add: DesiredSession[];
}

/** Which peers to remove and add so that the running set (id -> fingerprint) becomes `desired`. */
export function diffPeers(
  running: ReadonlyMap<string, string>,
  desired: ReadonlyMap<string, DesiredSession>,
): PeerDiff {
  const remove: string[] = [];
  const add: DesiredSession[] = [];
  for (const [id, fingerprint] of running) {
    const want = desired.get(id);
    if (want === undefined || want.fingerprint !== fingerprint) remove.push(id);
  }
  for (const [id, want] of desired) {
    if (running.get(id) !== want.fingerprint) add.push(want);
  }
  return { remove: remove.sort(), add: add.sort((a, b) => a.name.localeCompare(b.name)) };
}
