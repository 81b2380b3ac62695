/**
 * Next-hop liveness decisions (SPEC §13, an extension): which load-balancer nodes this floating-IP
 * holder keeps announcing as next hops, given what its BFD sessions to them say. Pure: inputs are
 * the checked next hops with their BFD observations and the time; the output is the set to leave
 * out of the paths, the changes with their reasons, and when to decide again.
 *
 * Rules (docs/agent.md "Next-hop liveness"):
 * - a next hop whose session has never been Up is announced (`unverified`): liveness only takes
 *   away what it has seen alive, so a peer without liveness, or one still starting, is never
 *   withdrawn by it (Kubernetes' NotReady stays the slow path);
 * - Up -> not Up withdraws it at once (`bfd-down`), except when the peer said AdminDown (a clean
 *   stop of its agent says nothing about forwarding, RFC 5882 §3.2);
 * - a withdrawn next hop is announced again only after its session has been Up without a break
 *   for the hold-down (`hold-down-expired`), so a flapping node changes the routes at most twice;
 * - self-isolation guard: when more than half of the checked next hops (those not yet seen Up
 *   count, as not failing; this node counts as alive once per address of its own that is a next
 *   hop, that is once per address family, as every other node does) are
 *   failing at once, the fault is most likely this node's
 *   own link, so nothing is withdrawn and the suspicion is reported. "Failing" is Down within the
 *   isolation window, or Up but silent for more than half its detection time (about to go Down:
 *   BFD sessions cut at the same moment expire up to one transmit interval apart, and waiting for
 *   the last would withdraw the first for nothing). The guard holds until no more than half of the
 *   next hops it counted are still failing. A Down the peer signalled while its packets still
 *   arrive (it stopped hearing us) waits `signaledSettleMs` before it is withdrawn, so that when
 *   this node's own sending broke, the guard sees every peer's Down together.
 */

/** What the BFD session to one next hop says, as the executor sees it. */
export interface HopObservation {
  /** The next hop's address. */
  address: string;
  /** BFD state of the session to it; `Starting` while the session is being set up. */
  state: 'AdminDown' | 'Down' | 'Init' | 'Up' | 'Starting';
  /** The session has been Up at least once. */
  wasUp: boolean;
  /** When the session last changed state (ms). */
  since: number;
  /** When the last packet from the peer arrived (ms), if any. */
  lastReceivedAt?: number | undefined;
  /** Detection time in force (ms); 0 before the first packet. */
  detectionTimeMs: number;
  /** The last Down was the peer's AdminDown (its agent stopped cleanly). */
  peerAdminDown?: boolean | undefined;
  /**
   * The last Down was signalled by the peer (it stopped hearing us) while its packets still
   * arrive: the peer is alive, the path towards it may not be, or this node's own sending is broken.
   */
  peerSignaledDown?: boolean | undefined;
}

export interface LivenessSettings {
  /** A withdrawn next hop must be Up this long before it is announced again (ms). */
  holdDownMs: number;
  /** Downs at most this far apart count as "at once" for the isolation guard (ms). */
  isolationWindowMs: number;
  /**
   * A Down the peer signalled is withdrawn only after this long (ms, default 0): if this node's
   * own sending broke, every peer signals Down within about one transmit interval, and the guard
   * must see them together rather than withdraw the first one for nothing.
   */
  signaledSettleMs?: number | undefined;
}

export interface LivenessInputs {
  now: number;
  /** Every next hop this node announces, except itself. */
  hops: readonly HopObservation[];
  /**
   * How many of the next hops are this node's own addresses (0 when it is none; one per address
   * family it serves). Each counts as alive in the guard, so that a dual-stack node weighs here
   * as much as every other dual-stack node, whose IPv4 and IPv6 next hops are two sessions.
   */
  selfNextHops: number;
  settings: LivenessSettings;
}

export type WithdrawReason = 'bfd-down';
export type AnnounceReason = 'hold-down-expired' | 'isolation-suspected' | 'peer-admin-down';

/** One change of what is announced, with why. */
export type LivenessChange =
  | { hop: string; action: 'withdraw'; reason: WithdrawReason }
  | { hop: string; action: 'announce'; reason: AnnounceReason };

/** What one next hop is, as decided. */
export type HopVerdict =
  | 'announced'
  | 'unverified'
  | 'withdrawn'
  | 'hold-down'
  | 'kept-isolated'
  | 'settling'
  | 'peer-admin-down';

export interface LivenessState {
  /** Next hops left out of the paths. */
  withdrawn: ReadonlySet<string>;
  /** The guard is on: the next hops it counted when it began (this node as `self`). */
  isolation?: { since: number; counted: readonly string[] } | undefined;
}

export const INITIAL_LIVENESS: LivenessState = { withdrawn: new Set() };

export interface LivenessDecision {
  state: LivenessState;
  changes: LivenessChange[];
  verdicts: Map<string, HopVerdict>;
  /** The guard changed: began (`suspected`) or ended (`cleared`). */
  isolationChange?: { to: 'suspected' | 'cleared'; failing: string[]; counted: number } | undefined;
  /** Decide again at this time (a hold-down ends, a silent session's Down is due), if any. */
  wakeAt?: number | undefined;
}

/** Placeholders for this node's own next hops in the guard's count (never a session's address). */
const selfEntries = (n: number): string[] => Array.from({ length: n }, (_, i) => `self#${i + 1}`);

/** Up now, but silent for more than half the detection time: packets are being lost. */
function silent(h: HopObservation, now: number): boolean {
  if (h.state !== 'Up' || h.detectionTimeMs <= 0 || h.lastReceivedAt === undefined) return false;
  return now - h.lastReceivedAt > h.detectionTimeMs / 2;
}

/** The session was Up and is not now, for a reason that says the path may be broken. */
function down(h: HopObservation): boolean {
  return h.wasUp && h.state !== 'Up' && h.state !== 'Starting' && h.peerAdminDown !== true;
}

export function decideNextHops(previous: LivenessState, inputs: LivenessInputs): LivenessDecision {
  const { now, hops, settings } = inputs;
  const byAddress = new Map(hops.map((h) => [h.address, h]));
  const verdicts = new Map<string, HopVerdict>();
  const changes: LivenessChange[] = [];
  const wake: number[] = [];

  // The guard counts every checked next hop except those known dead for longer than the window (a
  // node dead for minutes is not evidence against this one). One not yet seen Up counts, as not
  // failing: a holder that just took over, with one session Up and another still coming up, must
  // not read the first one's Down as "all of them".
  const recentDown = (h: HopObservation) => down(h) && now - h.since <= settings.isolationWindowMs;
  const failing = (h: HopObservation) => recentDown(h) || silent(h, now);

  let isolation = previous.isolation;
  let isolationChange: LivenessDecision['isolationChange'];
  if (isolation !== undefined) {
    // Still isolated while more than half of what was counted at the start is not back Up.
    const stillFailing = isolation.counted.filter((a) => {
      const h = byAddress.get(a);
      return h !== undefined && (down(h) || silent(h, now));
    });
    if (stillFailing.length * 2 <= isolation.counted.length) {
      isolation = undefined;
      isolationChange = {
        to: 'cleared',
        failing: stillFailing,
        counted: previous.isolation?.counted.length ?? 0,
      };
    }
  } else {
    const counted = hops.filter((h) => !down(h) || recentDown(h));
    const failingNow = counted.filter(failing);
    const self = selfEntries(Math.max(0, Math.floor(inputs.selfNextHops)));
    const total = counted.length + self.length;
    if (failingNow.some(recentDown) && failingNow.length * 2 > total) {
      const addresses = counted.map((h) => h.address);
      isolation = { since: now, counted: [...addresses, ...self] };
      isolationChange = { to: 'suspected', failing: failingNow.map((h) => h.address), counted: total };
    }
  }

  const withdrawn = new Set<string>();
  for (const h of hops) {
    const was = previous.withdrawn.has(h.address);
    if (down(h)) {
      if (isolation?.counted.includes(h.address)) {
        verdicts.set(h.address, 'kept-isolated');
        if (was) changes.push({ hop: h.address, action: 'announce', reason: 'isolation-suspected' });
        continue;
      }
      const settleUntil = h.since + (settings.signaledSettleMs ?? 0);
      if (!was && h.peerSignaledDown === true && now < settleUntil) {
        verdicts.set(h.address, 'settling');
        wake.push(settleUntil);
        continue;
      }
      withdrawn.add(h.address);
      verdicts.set(h.address, 'withdrawn');
      if (!was) changes.push({ hop: h.address, action: 'withdraw', reason: 'bfd-down' });
      continue;
    }
    if (was && h.state === 'Up') {
      const until = h.since + settings.holdDownMs;
      if (now < until) {
        withdrawn.add(h.address);
        verdicts.set(h.address, 'hold-down');
        wake.push(until);
        continue;
      }
      verdicts.set(h.address, 'announced');
      changes.push({ hop: h.address, action: 'announce', reason: 'hold-down-expired' });
      continue;
    }
    if (was && h.peerAdminDown === true) {
      verdicts.set(h.address, 'peer-admin-down');
      changes.push({ hop: h.address, action: 'announce', reason: 'peer-admin-down' });
      continue;
    }
    if (was) {
      // Withdrawn and its session restarted (Starting, or Down/Init without having been Up since):
      // stays withdrawn until it has been Up for the hold-down.
      withdrawn.add(h.address);
      verdicts.set(h.address, 'hold-down');
      continue;
    }
    if (h.peerAdminDown === true && h.state !== 'Up') verdicts.set(h.address, 'peer-admin-down');
    else verdicts.set(h.address, h.wasUp ? 'announced' : 'unverified');
  }
  // While a next hop has just gone Down, an Up one that turns silent may start the guard: decide
  // again when the first of them would count as failing. (A next hop that left the set simply
  // leaves `withdrawn`: the route plan no longer has it.)
  if (isolation === undefined && hops.some(recentDown)) {
    for (const h of hops) {
      if (h.state !== 'Up' || h.lastReceivedAt === undefined || h.detectionTimeMs <= 0) continue;
      const due = h.lastReceivedAt + h.detectionTimeMs / 2 + 1;
      if (due > now) wake.push(due);
    }
  }

  const state: LivenessState = { withdrawn, ...(isolation !== undefined ? { isolation } : {}) };
  return {
    state,
    changes,
    verdicts,
    ...(isolationChange !== undefined ? { isolationChange } : {}),
    ...(wake.length > 0 ? { wakeAt: Math.min(...wake) } : {}),
  };
}

/** Paths without the withdrawn next hops; the same array when nothing is left out. */
export function withoutWithdrawn<P extends { nextHop: string }>(
  paths: readonly P[],
  withdrawn: ReadonlySet<string>,
): readonly P[] {
  if (withdrawn.size === 0 || !paths.some((p) => withdrawn.has(p.nextHop))) return paths;
  return paths.filter((p) => !withdrawn.has(p.nextHop));
}
