/**
 * A BGP peer built only on @bgplb/bgp-wire, run inside the lab namespace
 * (`ip netns exec NS node --import tsx peer.ts OUTDIR`). It connects to bgpd at 192.0.2.1:179
 * from 192.0.2.2, sends its OPEN, answers KEEPALIVEs, announces routes made with encodeUpdates,
 * and writes every message bgpd sends to OUTDIR as NN-<type>.bin, printing one JSON line each.
 * It exits after bgpd's NOTIFICATION (or after 60 s).
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  buildOpen,
  decodeMessage,
  encodeKeepalive,
  encodeMessage,
  encodeUpdates,
  endOfRib,
  formatMessage,
  MessageFramer,
  negotiateSessionOptions,
  type OpenMessage,
  type PathAttribute,
  parseCommunity,
  type SessionOptions,
} from '../../src/index.js';

const out = process.argv[2] ?? '.';
const LOCAL_OPEN: OpenMessage = buildOpen({
  asn: 65002,
  holdTime: 90,
  bgpId: '10.0.0.2',
  capabilities: [
    { type: 'multiprotocol', afi: 1, safi: 1 },
    { type: 'multiprotocol', afi: 2, safi: 1 },
    { type: 'route-refresh' },
    { type: 'enhanced-route-refresh' },
    {
      type: 'add-path',
      families: [
        { afi: 1, safi: 1, mode: 'both' },
        { afi: 2, safi: 1, mode: 'receive' },
      ],
    },
    { type: 'fqdn', hostname: 'bgp-wire-peer', domainName: '' },
    // Graceful restart (helper), so that bgpd sends End-of-RIB markers.
    {
      type: 'graceful-restart',
      flags: 0,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, flags: 0 },
        { afi: 2, safi: 1, flags: 0 },
      ],
    },
  ],
});

/** The routes this peer announces (the lab checks that bgpd received them as sent). */
export const PEER_ATTRIBUTES: PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ type: 'sequence', asns: [65002] }] },
  { type: 'med', med: 50 },
  { type: 'communities', communities: [parseCommunity('65002:200'), parseCommunity('GRACEFUL_SHUTDOWN')] },
  { type: 'large-communities', communities: [{ globalAdmin: 65002, localData1: 7, localData2: 8 }] },
];

let seq = 0;
let session: SessionOptions | undefined;
const framer = new MessageFramer();
const socket = connect({ host: '192.0.2.1', port: 179, localAddress: '192.0.2.2' });
const timer = setTimeout(() => {
  console.log(JSON.stringify({ event: 'timeout' }));
  process.exit(2);
}, 60_000);

function send(bytes: Uint8Array): void {
  socket.write(bytes);
}

socket.on('connect', () => send(encodeMessage(LOCAL_OPEN)));
socket.on('error', (e) => {
  console.log(JSON.stringify({ event: 'error', message: e.message }));
  process.exit(3);
});
socket.on('data', (chunk) => {
  framer.push(chunk);
  for (const frame of framer) {
    if (!frame.ok) {
      console.log(JSON.stringify({ event: 'frame-error', message: frame.error.message }));
      process.exit(4);
    }
    const r = decodeMessage(frame.bytes, session);
    const type = r.ok ? r.message.type : 'error';
    const file = join(out, `${String(seq++).padStart(2, '0')}-${type}.bin`);
    writeFileSync(file, frame.bytes);
    console.log(
      JSON.stringify({
        event: 'message',
        file,
        type,
        text: r.ok ? formatMessage(r.message) : r.error.message,
      }),
    );
    if (!r.ok) continue;
    const m = r.message;
    if (m.type === 'open') {
      session = negotiateSessionOptions(LOCAL_OPEN, m);
      framer.setExtendedMessage(session.extendedMessage);
      send(encodeKeepalive());
    } else if (m.type === 'keepalive') {
      send(encodeKeepalive());
      if (seq <= 3 && session) {
        const updates = encodeUpdates(
          {
            announce: [
              { prefix: '10.20.0.0/24', pathId: 1, nextHop: '192.0.2.2', attributes: PEER_ATTRIBUTES },
              { prefix: '10.20.1.0/24', pathId: 1, nextHop: '192.0.2.2', attributes: PEER_ATTRIBUTES },
              { prefix: '2001:db8:20::/48', nextHop: '2001:db8::2', attributes: PEER_ATTRIBUTES },
            ],
          },
          session,
        );
        for (const u of updates) send(u);
        send(encodeMessage(endOfRib(1, 1), session));
        send(encodeMessage(endOfRib(2, 1), session));
        console.log(JSON.stringify({ event: 'announced', updates: updates.length }));
      }
    } else if (m.type === 'notification') {
      clearTimeout(timer);
      socket.end();
      process.exit(0);
    }
  }
});
