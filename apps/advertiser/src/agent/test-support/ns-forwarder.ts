/**
 * Runs inside a network namespace: `ns-forwarder.ts SOCKET PORT` listens on 127.0.0.1:PORT and
 * pipes every connection to the Unix socket SOCKET (see api-bridge.ts). Prints "ready" once
 * listening.
 */
import { connect, createServer } from 'node:net';
import { pipe } from './api-bridge.js';

const [socketPath, portText] = process.argv.slice(2);
if (socketPath === undefined || portText === undefined) {
  process.stderr.write('usage: ns-forwarder.ts SOCKET PORT\n');
  process.exit(2);
}
const server = createServer((client) => pipe(client, connect(socketPath)));
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
