/**
 * Writes BGPSession.status: on every change of what it says (state, routes sent, counts, last
 * error, BFD state), coalesced over a short window, and as a heartbeat every 30 s otherwise, so that
 * `lastReportTime` proves the agent is alive. Never once per keepalive: keepalives change nothing
 * that is reported. Failed writes are retried with exponential backoff (conflicts, throttling,
 * an API server that is away); a session whose object is gone (404) is forgotten.
 *
 * Readers treat a `lastReportTime` older than 3 heartbeats (90 s) as stale.
 */

import type { BfdSessionState, BGPSessionCapabilities, BGPSessionTransition } from '@bgplb/api-types';
import { type Clock, kubeTime, systemClock } from '@bgplb/kube-runtime';
import type { FsmState } from '../shared/index.js';

/** `status.lastError` as written (a NOTIFICATION, or code 0 for a local refusal). */
export interface ReportedError {
  code: number;
  subcode: number;
  message: string;
  direction?: 'sent' | 'received';
  time?: string;
}

/** What the agent knows about a session, without `lastReportTime`. */
export interface SessionStatusContent {
  state: FsmState;
  advertisedRoutes: string[];
  advertisedPrefixes: number;
  receivedPrefixes: number;
  establishedSince: string | null;
  lastError: ReportedError | null;
  /** BFD state to the peer (an extension); null (cleared) when the session runs without BFD. */
  bfdState: BfdSessionState | null;
  /** Negotiated capabilities while Established (an extension); null otherwise. */
  capabilities: BGPSessionCapabilities | null;
  /** Times the session left Established since the agent started it. */
  flapCount: number;
  /** The last FSM state change (an extension); null before the first. */
  lastTransition: BGPSessionTransition | null;
}

/** The merge-patch body of `status`. `null` clears a field. */
export interface SessionStatusPatch extends SessionStatusContent {
  lastReportTime: string;
}

/** An error from the status writer; `status` is the HTTP status when there was one. */
export class StatusWriteError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'StatusWriteError';
  }
}

export interface StatusWriter {
  /** Writes the status subresource of BGPSession `name`. Rejects with StatusWriteError. */
  write(name: string, status: SessionStatusPatch): Promise<void>;
}

export interface StatusReporterOptions {
  writer: StatusWriter;
  clock?: Clock;
  /** Heartbeat period, default 30 s. */
  heartbeatMs?: number;
  /** Coalescing window for a burst of changes (e.g. Idle -> ... -> Established), default 250 ms. */
  debounceMs?: number;
  /** First retry delay, default 500 ms; doubles up to `maxBackoffMs` (default 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called after each attempt (for metrics and logs). */
  onWrite?: (name: string, result: 'ok' | 'error' | 'gone', error?: Error) => void;
  /** Jitter source in [0,1), default Math.random. */
  random?: () => number;
}

interface Entry {
  content: SessionStatusContent;
  key: string;
  writtenKey?: string;
  lastWriteAt?: number;
  timer?: unknown;
  dueAt?: number | undefined;
  inFlight?: Promise<void> | undefined;
  attempt: number;
  removed: boolean;
}

function contentKey(c: SessionStatusContent): string {
  return JSON.stringify(c);
}

export class StatusReporter {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly heartbeatMs: number;
  private readonly debounceMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private stopped = false;

  constructor(private readonly options: StatusReporterOptions) {
    this.clock = options.clock ?? systemClock;
    this.heartbeatMs = options.heartbeatMs ?? 30_000;
    this.debounceMs = options.debounceMs ?? 250;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** Names of the sessions being reported. */
  sessions(): string[] {
    return [...this.entries.keys()];
  }

  /** The last status content successfully written for `name`. */
  lastWritten(name: string): { key: string; at: number } | undefined {
    const e = this.entries.get(name);
    return e?.writtenKey !== undefined && e.lastWriteAt !== undefined
      ? { key: e.writtenKey, at: e.lastWriteAt }
      : undefined;
  }

  /** New content for a session. A write follows when it differs from what was last written. */
  update(name: string, content: SessionStatusContent): void {
    if (this.stopped) return;
    const key = contentKey(content);
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = { content, key, attempt: 0, removed: false };
      this.entries.set(name, entry);
    } else {
      entry.content = content;
      entry.key = key;
    }
    if (entry.writtenKey !== key && entry.attempt === 0) this.schedule(name, entry, this.debounceMs);
  }

  /** Stops reporting a session (its object is gone or no longer this node's). */
  forget(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    entry.removed = true;
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.entries.delete(name);
  }

  /** Writes every session whose content is not written yet, now; resolves when done (shutdown). */
  async flush(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const [name, entry] of this.entries) {
      if (entry.inFlight) pending.push(entry.inFlight);
      if (entry.writtenKey !== entry.key) {
        if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
        entry.timer = undefined;
        entry.dueAt = undefined;
        pending.push(this.write(name, entry, true));
      }
    }
    await Promise.allSettled(pending);
  }

  /** Cancels every timer; nothing is written afterwards. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  private schedule(name: string, entry: Entry, delayMs: number): void {
    if (this.stopped || entry.removed) return;
    const dueAt = this.clock.now() + delayMs;
    if (entry.timer !== undefined) {
      // Keep an earlier timer: a stream of changes must not push the write out forever.
      if (entry.dueAt !== undefined && entry.dueAt <= dueAt) return;
      this.clock.clearTimeout(entry.timer);
    }
    entry.dueAt = dueAt;
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      entry.dueAt = undefined;
      void this.write(name, entry, false);
    }, delayMs);
  }

  private write(name: string, entry: Entry, final: boolean): Promise<void> {
    if (entry.inFlight) {
      // One write at a time per session; the newest content goes out when this one finishes.
      return entry.inFlight;
    }
    const key = entry.key;
    const body: SessionStatusPatch = { ...entry.content, lastReportTime: kubeTime(this.clock.now()) };
    const run = async (): Promise<void> => {
      try {
        await this.options.writer.write(name, body);
        entry.writtenKey = key;
        entry.lastWriteAt = this.clock.now();
        entry.attempt = 0;
        this.options.onWrite?.(name, 'ok');
        if (final) return;
        if (entry.key !== key) this.schedule(name, entry, this.debounceMs);
        else this.schedule(name, entry, this.heartbeatMs);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (err instanceof StatusWriteError && err.status === 404) {
          this.options.onWrite?.(name, 'gone', error);
          this.forget(name);
          return;
        }
        this.options.onWrite?.(name, 'error', error);
        if (final) return;
        entry.attempt++;
        const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (entry.attempt - 1));
        // Full jitter on the upper half keeps many agents from retrying in lockstep.
        this.schedule(name, entry, Math.round(base / 2 + (base / 2) * this.random()));
      } finally {
        entry.inFlight = undefined;
      }
    };
    entry.inFlight = run();
    return entry.inFlight;
  }
}
