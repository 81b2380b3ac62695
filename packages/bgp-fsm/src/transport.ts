/**
 * The byte transport under a BGP session, injected so that sessions run over real TCP
 * (`netTransport`) or over in-memory pipes in tests (`MemoryNetwork`).
 */
import net from 'node:net';

export interface ConnectionHandlers {
  data(chunk: Uint8Array): void;
  /** The write buffer drained after `write` returned false. */
  drain(): void;
  /** The connection is gone (closed by either side, or failed). Called once. */
  close(error?: Error): void;
}

/** One established byte stream. */
export interface Connection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Octets queued but not yet handed to the kernel. */
  readonly writableLength: number;
  /** Queues bytes; false when the queue is over its high-water mark (wait for `drain`). */
  write(bytes: Uint8Array): boolean;
  /** Flushes what is queued, then closes. */
  end(): void;
  /** Closes at once, dropping what is queued. */
  destroy(): void;
  setHandlers(handlers: ConnectionHandlers): void;
  /** Stops reading (the peer then sees TCP back-pressure) until `resume`; optional. */
  pause?(): void;
  resume?(): void;
}

export interface ConnectRequest {
  localAddress?: string | undefined;
  host: string;
  port: number;
}

/** A pending outbound connection attempt. */
export interface PendingConnect {
  cancel(): void;
}

export interface Listener {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface Transport {
  connect(
    req: ConnectRequest,
    done: (result: { connection: Connection } | { error: Error }) => void,
  ): PendingConnect;
  /** `onError` receives errors of the listening socket after it is up (e.g. EMFILE on accept). */
  listen(
    address: string,
    port: number,
    onConnection: (connection: Connection) => void,
    onError?: (error: Error) => void,
  ): Promise<Listener>;
}

function normalize(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Wraps a connected node socket. */
class NetConnection implements Connection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private handlers: ConnectionHandlers | undefined;
  private buffered: Uint8Array[] = [];
  private closed = false;
  private closeError: Error | undefined;

  constructor(private readonly socket: net.Socket) {
    this.localAddress = normalize(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = normalize(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    // BGP messages are small and latency matters (keepalives, OPEN): no Nagle.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.handlers !== undefined) this.handlers.data(chunk);
      else this.buffered.push(chunk);
    });
    socket.on('drain', () => this.handlers?.drain());
    socket.on('error', (err) => {
      this.closeError = err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.handlers?.close(this.closeError);
    });
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    return this.socket.write(bytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  end(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    // A peer that never reads must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    const pending = this.buffered;
    this.buffered = [];
    for (const chunk of pending) handlers.data(chunk);
    if (this.closed) handlers.close(this.closeError);
  }
}

/** TCP over node:net. The OS default TTL (64) is kept, so multihop sessions work. */
export const netTransport: Transport = {
  connect(req, done) {
    let finished = false;
    const socket = net.connect({
      host: req.host,
      port: req.port,
      ...(req.localAddress !== undefined && req.localAddress !== ''
        ? { localAddress: req.localAddress }
        : {}),
    });
    const onError = (error: Error) => {
      if (finished) return;
      finished = true;
      socket.destroy();
      done({ error });
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      if (finished) return;
      finished = true;
      socket.off('error', onError);
      done({ connection: new NetConnection(socket) });
    });
    return {
      cancel() {
        if (finished) return;
        finished = true;
        socket.destroy();
      },
    };
  },
  listen(address, port, onConnection, onError) {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => onConnection(new NetConnection(socket)));
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        // A listening server's errors (EMFILE on accept, ...) must not crash the process.
        server.on('error', (err) => onError?.(err));
        const bound = server.address() as net.AddressInfo;
        resolve({
          address: normalize(bound.address),
          port: bound.port,
          // Stops accepting at once; sessions already accepted keep their connections
          // (net.Server#close would only call back once they have all ended).
          close: () =>
            new Promise<void>((res) => {
              server.close();
              setImmediate(res);
            }),
        });
      });
    });
  },
};
