/**
 * Our speaker announcing 10k /32 VIPs x 8 next hops (80k ADD-PATH paths) to a peer. Prints
 * {"established":t} and then {"start":t0,"flushed":t1} (setPaths begun, last UPDATE written).
 *
 * usage: announce-speaker.mjs <localAddr> <peerAddr> <localAsn> <peerAsn>
 */
import { BgpSpeaker } from '@bgplb/bgp-fsm';

const [local, peer, localAsn, peerAsn] = process.argv.slice(2);
const speaker = new BgpSpeaker();
const now = () => performance.timeOrigin + performance.now();
const [a, b, c] = local.split('.').map(Number);
const hops = Array.from({ length: 8 }, (_, i) => ({ nextHop: `${a}.${b}.${c}.${101 + i}` }));

speaker.on('event', (e) => {
  if (e.type === 'state' && e.to === 'Established') {
    process.stdout.write(`${JSON.stringify({ established: now() })}\n`);
    setTimeout(() => {
      const start = now();
      for (let i = 0; i < 10000; i++) {
        const v = (0xc6120000 + i) >>> 0;
        speaker.setPaths(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/32`, hops);
      }
      const poll = setInterval(() => {
        // The Adj-RIB-Out size (cheap, unlike peerStatus which lists every prefix).
        if (speaker.session(peer).rib.paths === 80000) {
          clearInterval(poll);
          process.stdout.write(
            `${JSON.stringify({ start, flushed: now(), maxRssKb: process.resourceUsage().maxRSS })}\n`,
          );
        }
      }, 1);
    }, 200);
  }
});
speaker.addPeer({
  localAddress: local,
  localAsn: Number(localAsn),
  peerAddress: peer,
  peerAsn: Number(peerAsn),
});
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  void speaker.shutdown().then(() => process.exit(0));
});
