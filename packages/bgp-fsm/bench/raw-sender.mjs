/**
 * A minimal BGP sender for the benchmarks: pre-builds every UPDATE before connecting, completes
 * the OPEN exchange, then writes them all at once. Prints JSON lines: {"established":t} and
 * {"sent":t0,"written":t1,"messages":n,"octets":m} (times in ms, performance.timeOrigin based).
 *
 * usage: raw-sender.mjs ingest <localAddr> <peerAddr> <localAsn> <peerAsn>
 *        raw-sender.ts announce <localAddr> <peerAddr> <localAsn> <peerAsn>   (10k /32 x 8 ADD-PATH)
 */
import net from 'node:net';
import { AdjRibOut, packChanges } from '@bgplb/bgp-fsm';
import { buildOpen, encodeKeepalive, encodeMessage, MessageFramer } from '@bgplb/bgp-wire';

const [mode, local, peer, localAsnText, peerAsnText] = process.argv.slice(2);
const localAsn = Number(localAsnText);
const now = () => performance.timeOrigin + performance.now();

function ingestUpdates() {
  // 1M IPv4 /24 prefixes, 2000 UPDATEs of 500 prefixes each, one attribute set.
  const options = {
    fourOctetAs: true,
    extendedMessage: false,
    addPathSend: new Set(),
    addPathReceive: new Set(),
  };
  const out = [];
  let v = 0x0b000000 >>> 0;
  const attrs = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [localAsn] }] },
    { type: 'next-hop', nextHop: local },
  ];
  for (let m = 0; m < 2000; m++) {
    const nlri = [];
    for (let i = 0; i < 500; i++) {
      nlri.push({ prefix: `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.0/24` });
      v = (v + 256) >>> 0;
    }
    out.push(encodeMessage({ type: 'update', withdrawn: [], attributes: attrs, nlri }, options));
  }
  return out;
}

function announceUpdates() {
  // The same 80k paths our speaker announces (10k /32 x 8 next hops), packed the same way.
  const options = {
    fourOctetAs: true,
    extendedMessage: true,
    addPathSend: new Set(['1/1']),
    addPathReceive: new Set(),
  };
  const rib = new AdjRibOut();
  const changes = [];
  const [a, b, c] = local.split('.').map(Number);
  const hops = Array.from({ length: 8 }, (_, i) => ({ nextHop: `${a}.${b}.${c}.${101 + i}` }));
  for (let i = 0; i < 10000; i++) {
    const v = (0xc6120000 + i) >>> 0;
    const change = rib.update(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/32`, hops, true);
    if (change) changes.push(change);
  }
  return packChanges(changes, { localAsn, ibgp: false }, options).messages;
}

const updates = mode === 'ingest' ? ingestUpdates() : announceUpdates();
const octets = updates.reduce((n, u) => n + u.length, 0);
const caps =
  mode === 'ingest'
    ? [{ type: 'multiprotocol', afi: 1, safi: 1 }]
    : [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'extended-message' },
        { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'send' }] },
      ];
const open = encodeMessage(buildOpen({ asn: localAsn, holdTime: 90, bgpId: local, capabilities: caps }));
void peerAsnText;

const socket = net.connect({ host: peer, port: 179, localAddress: local });
socket.setNoDelay(true);
const framer = new MessageFramer();
let established = false;
socket.on('connect', () => socket.write(open));
socket.on('data', (chunk) => {
  framer.push(chunk);
  for (let f = framer.next(); f !== undefined; f = framer.next()) {
    if (!f.ok) {
      console.error(`framing error: ${f.error.message}`);
      process.exit(1);
    }
    if (f.type === 1) socket.write(encodeKeepalive());
    if (f.type === 3) {
      console.error(`NOTIFICATION ${f.bytes[19]}/${f.bytes[20]}`);
      process.exit(1);
    }
    if (f.type === 4 && !established) {
      established = true;
      process.stdout.write(`${JSON.stringify({ established: now() })}\n`);
      const t0 = now();
      socket.cork();
      for (const u of updates) socket.write(u);
      socket.uncork();
      const onWritten = () =>
        process.stdout.write(
          `${JSON.stringify({ sent: t0, written: now(), messages: updates.length, octets })}\n`,
        );
      if (socket.writableLength === 0) onWritten();
      else socket.once('drain', onWritten);
    }
  }
});
socket.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
