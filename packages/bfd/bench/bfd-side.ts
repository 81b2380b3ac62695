// One side of the idle-cost benchmark, run as its own process. argv[2] is JSON:
// { role: 'measured' | 'peer', sessions, listenPort, peerPort, windowMs, warmupMs }.
// The measured side runs `sessions` sessions from 127.0.0.1 to 127.0.1.1..N; the peer side the
// mirror image. Once every session is Up and its poll has ended (plus 2 s), the measured side
// reads its own CPU time over two windows of `windowMs`: the first right away ("start-up": V8
// still compiles the hot code and collects the start-up garbage), the second `warmupMs` after the
// sessions settled (the steady state: the idle cost of an agent that has been running a while).
// It reports both as one JSON line; then both sides are killed by the harness.
import { BfdManager } from '@bgplb/bfd';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  role: 'measured' | 'peer';
  sessions: number;
  listenPort: number;
  peerPort: number;
  windowMs: number;
  warmupMs: number;
};
const profile = { minTxMs: 300, minRxMs: 300, multiplier: 3 };
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const keepAlive = setInterval(() => {}, 1_000);

const bfd = new BfdManager({ singleHopPort: o.listenPort });
const other = (i: number) => `127.0.1.${i + 1}`;
let downs = 0;
bfd.on('down', () => downs++);
for (let i = 0; i < o.sessions; i++) {
  if (o.role === 'measured')
    await bfd.addSession({ peer: other(i), local: '127.0.0.1', port: o.peerPort, ...profile });
  else await bfd.addSession({ peer: '127.0.0.1', local: other(i), port: o.peerPort, ...profile });
}
print({ msg: 'ready' });

if (o.role === 'measured') {
  const settled = () => bfd.peers.every((p) => p.state === 'Up' && !p.session.context.polling);
  const t0 = Date.now();
  while (!settled()) {
    if (Date.now() - t0 > 30_000) {
      print({
        msg: 'error',
        error: `sessions not Up after 30 s: ${bfd.peers.filter((p) => p.state !== 'Up').length}`,
      });
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 2_000));
  const settledAt = Date.now();
  downs = 0;
  const startup = await measureWindow(false);
  const rest = o.warmupMs - (Date.now() - settledAt);
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  const steady = await measureWindow(true);
  print({
    msg: 'result',
    sessions: o.sessions,
    ...steady,
    startupCpuPercent: startup.cpuPercent,
    downs,
    up: bfd.peers.filter((p) => p.state === 'Up').length,
  });
}

/** CPU of this process over one window, with the packets and timer wake-ups in it. */
async function measureWindow(profile: boolean) {
  const sent0 = bfd.peers.reduce((n, p) => n + p.session.counters.sent, 0);
  const received0 = bfd.peers.reduce((n, p) => n + p.session.counters.received, 0);
  // BFD_PROFILE=file.cpuprofile: a CPU profile of the steady window only.
  const profiler =
    profile && process.env.BFD_PROFILE ? new (await import('node:inspector/promises')).Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const fired0 = bfd.timers.fired;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.windowMs));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    (await import('node:fs')).writeFileSync(String(process.env.BFD_PROFILE), JSON.stringify(profile));
  }
  return {
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    userPercent: (cpu.user / 1000 / wallMs) * 100,
    systemPercent: (cpu.system / 1000 / wallMs) * 100,
    wallMs,
    timerWakeups: bfd.timers.fired - fired0,
    sent: bfd.peers.reduce((n, p) => n + p.session.counters.sent, 0) - sent0,
    received: bfd.peers.reduce((n, p) => n + p.session.counters.received, 0) - received0,
  };
}
if (o.role === 'measured') process.exit(0);
void keepAlive;
