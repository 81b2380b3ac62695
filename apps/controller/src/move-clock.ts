/**
 * Floating-IP move duration: from the moment a move became due (the holder's Lease expired, or its
 * NotReady grace ran out) to the moment the new holder announces, i.e. a BGPSession from the
 * floating IP on the new node reports Established. Pending moves are dropped after `maxAgeMs`
 * (the new holder never got a session up: its own status says why).
 */
import type { FloatingIPMove } from '@bgplb/floating-ip-allocator';
import type { SessionObject } from './types.js';

interface Pending {
  to: string;
  reason: string;
  dueAt: number;
}

export class FloatingIPMoveClock {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly observe: (reason: string, seconds: number) => void,
    private readonly maxAgeMs = 10 * 60_000,
  ) {}

  /** Starts the clock of each real move (not first assignments or releases). */
  started(moves: readonly FloatingIPMove[], dueAt: (m: FloatingIPMove) => number): void {
    for (const m of moves) {
      if (m.from === null || m.to === null) continue;
      this.pending.set(m.ip, { to: m.to, reason: m.reason, dueAt: dueAt(m) });
    }
  }

  /** A BGPSession changed: stops the clock when it is the new holder's and Established. */
  session(s: SessionObject, now: number): void {
    const ip = s.spec?.floatingIP;
    if (ip === undefined) return;
    const p = this.pending.get(ip);
    if (p === undefined) return;
    if (now - p.dueAt > this.maxAgeMs) {
      this.pending.delete(ip);
      return;
    }
    if (s.spec.nodeName !== p.to || (s.status as { state?: unknown } | undefined)?.state !== 'Established')
      return;
    this.pending.delete(ip);
    this.observe(p.reason, Math.max(0, now - p.dueAt) / 1000);
  }

  get size(): number {
    return this.pending.size;
  }
}
