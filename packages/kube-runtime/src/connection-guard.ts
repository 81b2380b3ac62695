/**
 * Caps the connections of the health/metrics server without locking the kubelet out.
 *
 * A plain cap lets ~1,000 idle, half-sent requests fill every slot (and the fd limit), so the
 * kubelet's probe is refused and the pod restarted. Here a connection is "busy" only while a
 * request whose header has arrived is being answered; every other connection (new, half-sent, or
 * idle keep-alive) is "idle". At the cap, a new connection evicts the oldest idle one, so a fresh
 * probe always gets a slot unless every slot is answering a complete request; only then is it
 * refused (the server answers 503).
 */

export interface Closable {
  destroy(): void;
}

export class ConnectionGuard<C extends Closable> {
  /** Idle connections, oldest first (Map iteration order is insertion order). */
  private readonly idle = new Map<C, true>();
  private readonly busy = new Set<C>();
  /** Connections evicted and refused so far (exported as metrics by the server). */
  evicted = 0;
  refused = 0;

  constructor(readonly maxConnections: number) {
    if (!(maxConnections >= 1)) throw new Error(`maxConnections must be at least 1, got ${maxConnections}`);
  }

  get size(): number {
    return this.idle.size + this.busy.size;
  }

  /** A new connection: true if it may stay (maybe after evicting the oldest idle one). */
  admit(conn: C): boolean {
    if (this.size >= this.maxConnections) {
      const oldest = this.idle.keys().next();
      if (oldest.done) {
        this.refused++;
        return false;
      }
      this.idle.delete(oldest.value);
      this.evicted++;
      oldest.value.destroy();
    }
    this.idle.set(conn, true);
    return true;
  }

  /** A complete request header arrived on `conn`: it is answering, not evictable. */
  requestStarted(conn: C): void {
    if (this.idle.delete(conn)) this.busy.add(conn);
  }

  /** The response is done; `conn` (keep-alive) becomes the newest idle connection. */
  requestFinished(conn: C): void {
    if (this.busy.delete(conn)) this.idle.set(conn, true);
  }

  /** The connection closed, whatever the reason. */
  closed(conn: C): void {
    this.idle.delete(conn);
    this.busy.delete(conn);
  }
}
