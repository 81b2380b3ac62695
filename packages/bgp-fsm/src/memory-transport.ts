/**
 * An in-memory network for tests: connections are pairs of pipes, delivery happens on the
 * microtask queue, and a high-water mark makes `write` report back-pressure like a socket.
 */
import type { Connection, ConnectionHandlers, Listener, PendingConnect, Transport } from './transport.js';

class MemoryConnection implements Connection {
  peer!: MemoryConnection;
  private handlers: ConnectionHandlers | undefined;
  private inbox: Uint8Array[] = [];
  private closed = false;
  private closeNotified = false;
  /** Octets written by us and not yet delivered to the peer. */
  private inFlight = 0;
  private wantDrain = false;
  /** When true the peer does not read: data stays queued (to test back-pressure). */
  stalled = false;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly highWaterMark: number,
  ) {}

  get writableLength(): number {
    return this.inFlight;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed) return true;
    const copy = bytes.slice();
    this.inFlight += copy.length;
    this.peer.receive(copy, this);
    const ok = this.inFlight < this.highWaterMark;
    if (!ok) this.wantDrain = true;
    return ok;
  }

  private receive(chunk: Uint8Array, from: MemoryConnection): void {
    this.inbox.push(chunk);
    queueMicrotask(() => this.deliver(from));
  }

  /** Delivers queued chunks unless stalled; tells the writer when its queue drained. */
  deliver(from: MemoryConnection = this.peer): void {
    if (this.stalled || this.handlers === undefined) return;
    while (this.inbox.length > 0) {
      const chunk = this.inbox.shift()!;
      from.inFlight -= chunk.length;
      if (!this.closed) this.handlers.data(chunk);
    }
    if (from.wantDrain && from.inFlight < from.highWaterMark) {
      from.wantDrain = false;
      queueMicrotask(() => from.handlers?.drain());
    }
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    // Deliver what was already written (like a FIN after the data), then close both ends.
    const peer = this.peer;
    this.closed = true;
    queueMicrotask(() => {
      peer.deliver(this);
      peer.closeFromRemote();
      this.notifyClose();
    });
  }

  private closeFromRemote(): void {
    this.closed = true;
    this.notifyClose();
  }

  private notifyClose(): void {
    if (this.closeNotified || this.handlers === undefined) return;
    this.closeNotified = true;
    this.handlers.close();
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    queueMicrotask(() => {
      this.deliver();
      if (this.closed) this.notifyClose();
    });
  }
}

/** Addresses are plain strings; `listen` registers `address:port`, `connect` pairs with it. */
export class MemoryNetwork {
  private readonly listeners = new Map<string, (c: Connection) => void>();
  private nextPort = 40000;
  /** Every connection created, in order (both ends), for tests to inspect or stall. */
  readonly connections: MemoryConnection[] = [];
  /** Refuse connections to these `address:port` keys. */
  readonly refuse = new Set<string>();

  constructor(private readonly highWaterMark = 64 * 1024) {}

  transport(defaultLocalAddress = '127.0.0.1'): Transport {
    return {
      connect: (req, done): PendingConnect => {
        let cancelled = false;
        queueMicrotask(() => {
          if (cancelled) return;
          const key = `${req.host}:${req.port}`;
          const accept = this.listeners.get(key);
          if (accept === undefined || this.refuse.has(key)) {
            done({ error: new Error(`connect ECONNREFUSED ${key}`) });
            return;
          }
          const local = req.localAddress ?? defaultLocalAddress;
          const port = this.nextPort++;
          const a = new MemoryConnection(local, port, req.host, req.port, this.highWaterMark);
          const b = new MemoryConnection(req.host, req.port, local, port, this.highWaterMark);
          a.peer = b;
          b.peer = a;
          this.connections.push(a, b);
          done({ connection: a });
          accept(b);
        });
        return {
          cancel() {
            cancelled = true;
          },
        };
      },
      listen: async (address, port, onConnection): Promise<Listener> => {
        const key = `${address}:${port}`;
        if (this.listeners.has(key)) throw new Error(`listen EADDRINUSE ${key}`);
        this.listeners.set(key, onConnection);
        return {
          address,
          port,
          close: async () => {
            this.listeners.delete(key);
          },
        };
      },
    };
  }
}

/** Lets queued microtasks and I/O callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
