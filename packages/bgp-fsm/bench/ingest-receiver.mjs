/**
 * Our speaker as the ingest receiver: a passive peer that counts what it receives. Prints
 * {"listening":true}, then {"done":t,"prefixes":n,"maxRssKb":k} once `expect` prefixes are counted.
 *
 * usage: ingest-receiver.mjs <localAddr> <peerAddr> <localAsn> <peerAsn> <expect> [adjRibIn]
 */
import { BgpSpeaker } from '@bgplb/bgp-fsm';

const [local, peer, localAsn, peerAsn, expectText, store] = process.argv.slice(2);
const expected = Number(expectText);
const speaker = new BgpSpeaker();
const now = () => performance.timeOrigin + performance.now();

await speaker.listen(local, 179);
speaker.addPeer({
  localAddress: local,
  localAsn: Number(localAsn),
  peerAddress: peer,
  peerAsn: Number(peerAsn),
  passive: true,
  adjRibIn: store === 'adjRibIn',
});
process.stdout.write(`${JSON.stringify({ listening: true })}\n`);
const session = speaker.session(peer);
const timer = setInterval(() => {
  const n = session.status().counters.prefixesReceived;
  if (n >= expected) {
    const done = now();
    clearInterval(timer);
    process.stdout.write(
      `${JSON.stringify({ done, prefixes: n, maxRssKb: process.resourceUsage().maxRSS })}\n`,
    );
  }
}, 1);
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  void speaker.shutdown().then(() => process.exit(0));
});
