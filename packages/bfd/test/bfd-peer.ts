// A BfdManager in a lab namespace for the interop and GTSM tests. argv[2] is JSON:
// { sessions: BfdPeerOptions[], gtsm?: GtsmOptions }. Prints one JSON line per event (`msg`):
// `ready`, `state` (with the change), `discard`; on SIGTERM closes (sending AdminDown) and exits.
import { BfdManager, type BfdPeerOptions, type GtsmOptions, installGtsmRules } from '@bgplb/bfd';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  sessions: BfdPeerOptions[];
  gtsm?: GtsmOptions;
  retime?: { minTxMs?: number; minRxMs?: number; multiplier?: number };
};
const print = (line: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: Date.now(), ...line })}\n`);

const bfd = new BfdManager();
bfd.on('state', (peer, change) =>
  print({
    msg: 'state',
    peer: peer.peer,
    multihop: peer.multihop,
    ...change,
    txMs: peer.session.transmitIntervalMs,
    detectMs: peer.session.detectionTimeMs,
  }),
);
bfd.on('discard', (d) => print({ msg: 'discard', ...d }));
bfd.on('error', (err) => print({ msg: 'error', error: err.message }));

if (config.gtsm) await installGtsmRules(config.gtsm);
for (const s of config.sessions) await bfd.addSession(s);
print({ msg: 'ready' });

// Keeps the process alive (the sockets are unref'd) and reports the settled timers on demand.
const keepAlive = setInterval(() => {}, 60_000);
process.on('SIGUSR2', () => {
  for (const p of bfd.peers)
    print({
      msg: 'timers',
      peer: p.peer,
      state: p.state,
      txMs: p.session.transmitIntervalMs,
      detectMs: p.session.detectionTimeMs,
      polling: p.session.context.polling,
    });
});
// SIGUSR1: every session switches to `retime` (a Poll Sequence with the peer).
process.on('SIGUSR1', () => {
  for (const p of bfd.peers) bfd.setTimers(p, config.retime ?? {});
  print({ msg: 'retimed' });
});
process.on('SIGTERM', async () => {
  clearInterval(keepAlive);
  await bfd.close();
  print({ msg: 'closed' });
  process.exit(0);
});
