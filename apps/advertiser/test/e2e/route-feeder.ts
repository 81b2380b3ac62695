/**
 * A passive BGP peer that feeds a large table: it listens on `<local>:179`, completes the OPEN
 * exchange with whoever connects, then sends `count` IPv4 /32 prefixes in UPDATEs of 500 prefixes
 * each (one attribute set), and keeps the session up with a KEEPALIVE every second. Used by the
 * load tests to make the advertiser ingest a big table while other load runs.
 * Prints JSON lines: {"listening":true}, {"established":t}, {"sent":n,"ms":d}.
 *
 * usage: route-feeder.ts <localAddr> <localAsn> <count>
 */
import net from 'node:net';
import {
  buildOpen,
  encodeKeepalive,
  encodeMessage,
  MessageFramer,
  type PathAttribute,
} from '@bgplb/bgp-wire';

const [local = '', localAsnText = '', countText = ''] = process.argv.slice(2);
const localAsn = Number(localAsnText);
const count = Number(countText);
const PER_UPDATE = 500;
const options = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathSend: new Set<`${number}/${number}`>(),
  addPathReceive: new Set<`${number}/${number}`>(),
};

function updates(): Uint8Array[] {
  const attributes: PathAttribute[] = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [localAsn] }] },
    { type: 'next-hop', nextHop: local },
  ];
  const out: Uint8Array[] = [];
  // 100.64.0.0 upwards (shared address space): never one of the lab's own addresses.
  let v = 0x64400000 >>> 0;
  for (let sent = 0; sent < count; sent += PER_UPDATE) {
    const nlri: Array<{ prefix: string }> = [];
    for (let i = 0; i < Math.min(PER_UPDATE, count - sent); i++, v = (v + 1) >>> 0) {
      nlri.push({ prefix: `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/32` });
    }
    out.push(encodeMessage({ type: 'update', withdrawn: [], attributes, nlri }, options));
  }
  return out;
}

const prebuilt = updates();
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const framer = new MessageFramer();
  let established = false;
  const keepalive = setInterval(() => socket.write(encodeKeepalive()), 1_000);
  socket.on('close', () => clearInterval(keepalive));
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    framer.push(chunk);
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      if (!f.ok) {
        console.error(`framing error: ${f.error.message}`);
        socket.destroy();
        return;
      }
      if (f.type === 1) {
        const open = buildOpen({
          asn: localAsn,
          holdTime: 9,
          bgpId: local,
          capabilities: [{ type: 'multiprotocol', afi: 1, safi: 1 }],
        });
        socket.write(encodeMessage(open));
        socket.write(encodeKeepalive());
      }
      if (f.type === 4 && !established) {
        established = true;
        process.stdout.write(`${JSON.stringify({ established: Date.now() })}\n`);
        const t0 = performance.now();
        socket.cork();
        for (const u of prebuilt) socket.write(u);
        socket.uncork();
        const done = () =>
          process.stdout.write(
            `${JSON.stringify({ sent: count, ms: Math.round(performance.now() - t0) })}\n`,
          );
        if (socket.writableLength === 0) done();
        else socket.once('drain', done);
      }
    }
  });
});
server.listen(179, local, () => process.stdout.write(`${JSON.stringify({ listening: true })}\n`));
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
