// The floor under the idle-cost benchmark: the same UDP traffic as N BFD sessions at 300 ms
// (one 24-byte datagram per session every 225-300 ms each way, the same sockets and addresses)
// with no BFD logic at all: timers, dgram send and receive only. argv[2] and the two measured
// windows (start-up, steady) as for bfd-side.ts.
import dgram from 'node:dgram';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  role: 'measured' | 'peer';
  sessions: number;
  listenPort: number;
  peerPort: number;
  windowMs: number;
  warmupMs: number;
};
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const other = (i: number) => `127.0.1.${i + 1}`;
const bind = (s: dgram.Socket, port: number, address: string) =>
  new Promise<void>((resolve) => s.bind({ port, address }, () => resolve()));

let received = 0;
const senders: dgram.Socket[] = [];
let sent = 0;
const payload = Buffer.alloc(24, 1);
for (let i = 0; i < o.sessions; i++) {
  const local = o.role === 'measured' ? '127.0.0.1' : other(i);
  const peer = o.role === 'measured' ? other(i) : '127.0.0.1';
  // One receiving socket per local address, one sender per local address, as the manager does.
  if (o.role === 'peer' || i === 0) {
    const rx = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    rx.on('message', () => received++);
    await bind(rx, o.listenPort, local);
  }
  const tx = dgram.createSocket('udp4');
  if (o.role === 'peer' || i === 0) await bind(tx, 49152 + Math.floor(Math.random() * 16000), local);
  const sender = o.role === 'measured' && i > 0 ? senders[0] : tx;
  senders.push(sender as dgram.Socket);
  const tick = () => {
    (sender as dgram.Socket).send(payload, o.peerPort, peer);
    sent++;
    setTimeout(tick, 300 * (0.75 + 0.25 * Math.random()));
  };
  setTimeout(tick, 300 * Math.random());
}

print({ msg: 'ready' });
if (o.role === 'measured') {
  // The same two windows as bfd-side.ts: right after start-up, and after the warm-up.
  await new Promise((r) => setTimeout(r, 3_000));
  const settledAt = Date.now();
  const startup = await measureWindow();
  const rest = o.warmupMs - (Date.now() - settledAt);
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  const steady = await measureWindow();
  print({
    msg: 'result',
    sessions: o.sessions,
    ...steady,
    startupCpuPercent: startup.cpuPercent,
    downs: 0,
    up: o.sessions,
  });
  process.exit(0);
}

async function measureWindow() {
  const sent0 = sent;
  const received0 = received;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.windowMs));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  return {
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    userPercent: (cpu.user / 1000 / wallMs) * 100,
    systemPercent: (cpu.system / 1000 / wallMs) * 100,
    wallMs,
    sent: sent - sent0,
    received: received - received0,
  };
}
