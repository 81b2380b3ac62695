/**
 * Lets processes inside network namespaces reach the in-process test API server without adding
 * any address to the root namespace: the test listens on a Unix socket (file system, visible in
 * every namespace) and pipes it to the server's loopback port; inside each namespace a small
 * forwarder (ns-forwarder.ts) listens on 127.0.0.1 and pipes to that socket.
 */
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface ApiBridge {
  socketPath: string;
  close(): Promise<void>;
}

export function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
}

export async function startApiBridge(dir: string, apiPort: number): Promise<ApiBridge> {
  const socketPath = join(dir, 'apiserver.sock');
  rmSync(socketPath, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(apiPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
