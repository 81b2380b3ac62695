/**
 * Projects what the agent knows of each session (the speaker's PeerStatus with its BFD state, the
 * last transport error, a refusal) onto BGPSession.status, through the StatusReporter (which coalesces and
 * writes). The status shapes are pure functions of their inputs; the projector only remembers
 * the last transport error per session, which the speaker does not keep.
 */
import type { BGPSessionCapabilities } from '@bgplb/api-types';
import { type Clock, kubeTime } from '@bgplb/kube-runtime';
import type { AgentSpeaker, PeerStatus } from '../shared/index.js';
import { nameOf } from './session-plan.js';
import type { ReportedError, SessionStatusContent, StatusReporter } from './status-reporter.js';

/** A session the plan refused, since when. */
export interface Refusal {
  reason: string;
  since: number;
}

/** Which sessions exist, as the agent runs them. */
export interface SessionBook {
  isRunning(name: string): boolean;
  refusal(name: string): Refusal | undefined;
}

/**
 * Status of a running session. `transport` (a socket error, code 0) replaces the speaker's last
 * NOTIFICATION when it is newer.
 */
export function runningStatus(
  ps: PeerStatus | undefined,
  transport: ReportedError | undefined,
): SessionStatusContent {
  const advertised = [...(ps?.advertisedPrefixes ?? [])].sort();
  let lastError: ReportedError | null = null;
  if (ps?.lastError) {
    lastError = {
      code: ps.lastError.code,
      subcode: ps.lastError.subcode,
      message: ps.lastError.text,
      direction: ps.lastError.direction,
      time: kubeTime(ps.lastError.at.getTime()),
    };
  }
  if (transport !== undefined && (lastError === null || (transport.time ?? '') > (lastError.time ?? ''))) {
    lastError = transport;
  }
  return {
    state: ps?.state ?? 'Idle',
    advertisedRoutes: advertised,
    advertisedPrefixes: advertised.length,
    receivedPrefixes: ps?.counters.prefixesReceived ?? 0,
    establishedSince:
      ps?.state === 'Established' && ps.establishedSince ? kubeTime(ps.establishedSince.getTime()) : null,
    lastError,
    // Present only for peers with `bfd`; null clears it when BFD is turned off.
    bfdState: ps?.bfd?.state ?? null,
    capabilities: ps?.state === 'Established' && ps.negotiated ? capabilitiesOf(ps.negotiated) : null,
    flapCount: ps?.counters.flaps ?? 0,
    lastTransition: ps?.lastTransition
      ? {
          from: ps.lastTransition.from,
          to: ps.lastTransition.to,
          reason: ps.lastTransition.reason,
          time: kubeTime(ps.lastTransition.at.getTime()),
        }
      : null,
  };
}

/** `status.capabilities` from what the speaker negotiated. */
export function capabilitiesOf(n: NonNullable<PeerStatus['negotiated']>): BGPSessionCapabilities {
  return {
    addPathSend: n.addPathSend,
    addPathReceive: n.addPathReceive,
    gracefulRestart: n.gracefulRestart,
    fourOctetAS: n.fourOctetAs,
    extendedMessage: n.extendedMessage,
    routeRefresh: n.routeRefresh,
    holdTime: n.holdTime,
  };
}

/** Status of a session that does not run: Idle, with why as a local error (code 0). */
export function refusedStatus(refusal: Refusal): SessionStatusContent {
  return idle({ code: 0, subcode: 0, message: refusal.reason, time: kubeTime(refusal.since) });
}

/** Final status of a session the agent stopped at shutdown: Idle after Cease/Administrative Shutdown. */
export function shutDownStatus(message: string, at: number): SessionStatusContent {
  return idle({
    code: 6,
    subcode: 2,
    message: `Cease/Administrative Shutdown: ${message}`,
    direction: 'sent',
    time: kubeTime(at),
  });
}

function idle(lastError: ReportedError): SessionStatusContent {
  return {
    state: 'Idle',
    advertisedRoutes: [],
    advertisedPrefixes: 0,
    receivedPrefixes: 0,
    establishedSince: null,
    lastError,
    bfdState: null,
    capabilities: null,
    flapCount: 0,
    lastTransition: null,
  };
}

export interface StatusProjectorOptions {
  reporter: StatusReporter;
  speaker: Pick<AgentSpeaker, 'peerStatus'>;
  sessions: SessionBook;
  clock: Clock;
}

export class StatusProjector {
  /** Session -> its last transport error (connect refused, reset), not kept by the speaker. */
  private readonly transportErrors = new Map<string, ReportedError>();

  constructor(private readonly options: StatusProjectorOptions) {}

  /**
   * Remembers a transport error of `session`. Returns false when it is the one already known
   * (every connect retry repeats it): nothing new to report.
   */
  noteTransportError(session: string, message: string): boolean {
    if (this.transportErrors.get(session)?.message === message) return false;
    this.transportErrors.set(session, {
      code: 0,
      subcode: 0,
      message,
      time: kubeTime(this.options.clock.now()),
    });
    return true;
  }

  /** A (re)started session begins without the errors of its previous run. */
  sessionStarted(session: string): void {
    this.transportErrors.delete(session);
  }

  /** Reports one session's status, if the agent runs or refused it. */
  report(name: string): void {
    const { reporter, sessions, speaker } = this.options;
    if (sessions.isRunning(name)) {
      reporter.update(name, runningStatus(speaker.peerStatus(name), this.transportErrors.get(name)));
      return;
    }
    const refusal = sessions.refusal(name);
    if (refusal !== undefined) reporter.update(name, refusedStatus(refusal));
  }

  /**
   * Reports every session of `ownSessions` (raw BGPSession objects) that runs or is refused, and
   * stops reporting any other (its object is gone, or it is not this node's any more).
   */
  reportAll(ownSessions: readonly unknown[]): void {
    const { reporter, sessions } = this.options;
    const names = new Set<string>();
    for (const raw of ownSessions) {
      const name = nameOf(raw);
      if (name !== undefined && (sessions.isRunning(name) || sessions.refusal(name) !== undefined))
        names.add(name);
    }
    for (const name of names) this.report(name);
    for (const name of reporter.sessions()) if (!names.has(name)) reporter.forget(name);
  }

  /** The last words on sessions stopped at shutdown. */
  reportShutDown(names: readonly string[], message: string): void {
    const at = this.options.clock.now();
    for (const name of names) this.options.reporter.update(name, shutDownStatus(message, at));
  }
}
