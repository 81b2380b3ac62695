/**
 * Runs inside the lab's `ctl` namespace with plain `node`: listens on HOST:PORT and pipes every
 * connection to the Unix socket SOCKET, behind which the test API server listens on the root
 * namespace's loopback. The nodes reach the API at the ctl address over the management network,
 * and no address is ever added to the root namespace. Prints "ready" once listening.
 * Usage: node forwarder.ts SOCKET HOST PORT
 */
import { connect, createServer, type Socket } from 'node:net';

const [socketPath, host, portText] = process.argv.slice(2);
if (!socketPath || !host || !portText) {
  process.stderr.write('usage: forwarder.ts SOCKET HOST PORT\n');
  process.exit(2);
}

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', end);
    s.on('close', end);
  }
}

const server = createServer((client) => pipe(client, connect(socketPath)));
server.listen(Number(portText), host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
