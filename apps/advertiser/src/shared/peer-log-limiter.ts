/**
 * Per-peer log rate limit for lines a peer can cause at will (malformed messages, NOTIFICATIONs,
 * refused connections): the first few per window are written, the rest only counted, and one
 * "suppressed N similar" line is reported when the window ends. A hostile peer sending 20,000 bad
 * UPDATEs then costs a handful of lines per minute, while the metrics still count every error.
 */

/** Lines per peer per window written before the rest are suppressed. */
export const PEER_LINES_PER_WINDOW = 5;
/** The window, in milliseconds. */
export const PEER_LOG_WINDOW_MS = 60_000;

interface Window {
  start: number;
  logged: number;
  suppressed: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface PeerLogLimiterOptions {
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

export class PeerLogLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  /** `report(peer, n)` writes the summary line for `n` suppressed lines of `peer`. */
  constructor(
    private readonly report: (peer: string, suppressed: number) => void,
    options: PeerLogLimiterOptions = {},
  ) {
    this.perWindow = options.perWindow ?? PEER_LINES_PER_WINDOW;
    this.windowMs = options.windowMs ?? PEER_LOG_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** True when a line about `peer` may be written now; false when it is only counted. */
  admit(peer: string): boolean {
    const t = this.now();
    let w = this.windows.get(peer);
    if (w !== undefined && t - w.start >= this.windowMs) {
      this.close(peer, w);
      w = undefined;
    }
    if (w === undefined) {
      w = { start: t, logged: 0, suppressed: 0, timer: undefined };
      this.windows.set(peer, w);
    }
    if (w.logged < this.perWindow) {
      w.logged++;
      return true;
    }
    w.suppressed++;
    if (w.timer === undefined) {
      const open = w;
      // Reports the count even when the peer goes quiet; never keeps the process alive.
      open.timer = setTimeout(() => this.close(peer, open), Math.max(0, this.windowMs - (t - w.start)));
      open.timer.unref?.();
    }
    return false;
  }

  /** Reports every pending count now (at shutdown, and in tests). */
  flush(): void {
    for (const [peer, w] of [...this.windows]) this.close(peer, w);
  }

  private close(peer: string, w: Window): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.timer = undefined;
    if (this.windows.get(peer) === w) this.windows.delete(peer);
    if (w.suppressed > 0) {
      const n = w.suppressed;
      w.suppressed = 0;
      this.report(peer, n);
    }
  }
}
