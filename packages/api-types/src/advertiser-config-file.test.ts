import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAdvertiserConfig, parseAdvertiserConfigText } from './advertiser-config-file.js';
import { formatProblem } from './problems.js';
import { resolveTimers } from './timers.js';

const dir = new URL('../test/fixtures/advertiser/', import.meta.url).pathname;
const example = new URL('../../../examples/bgpadvertiser.conf', import.meta.url).pathname;

/** Each bad advertiser config and the one line `bgpadvertiser` prints for it. */
const BAD_CONFIGS: Record<string, string> = {
  'bfd-interval-too-large.conf': '7:14: peers[0].bfd.minRxMs: 90000 is above the maximum 60000',
  'bfd-multihop-string.conf': '7:15: peers[0].bfd.multihop: expected true or false, got the string "yes"',
  'duplicate-peer.conf': '6:11: peers[1].peerIP: duplicate peer IP 21.0.101.80 (already at peers[0])',
  'empty.conf': '1:1: the file is empty; expected localIP, localASN and peers',
  'ibgp.conf':
    '5:12: peers[0].peerASN: peerASN 4273481990 equals localASN 4273481990: bgplb peers over eBGP only, iBGP is not supported',
  'ipv6-peer.conf':
    "4:11: peers[0].peerIP: peerIP 2001:db8::80 (IPv6) and localIP 21.0.101.64 (IPv4) differ in family: every session starts from localIP, so its peers must be of the same family (or set localIPOtherFamily, this node's IPv6 address)",
  'keepalive-not-below-hold.conf':
    '7:18: peers[0].keepaliveTime: keepaliveTime 10 must be less than holdTime 9 (a third of it, 3, is recommended)',
  'no-peers.conf': '3:8: peers: needs at least 1 entry',
  'not-a-mapping.conf': '1:1: expected a mapping with localIP, localASN and peers',
  'other-family-same-family.conf':
    "2:21: localIPOtherFamily: localIPOtherFamily 21.0.101.65 (IPv4) is of the same family as localIP 21.0.101.64: it is this node's address of the other family",
  'peer-is-local-other-family.conf':
    '5:11: peers[0].peerIP: peerIP 2001:db8::64 is localIPOtherFamily itself',
  'peer-is-local.conf': '4:11: peers[0].peerIP: peerIP 21.0.101.64 is localIP itself',
  'string-asn.conf': '2:11: localASN: expected a number, got the string "four"',
  'two-documents.conf': '6:1: expected a single YAML document; the config holds one mapping',
  'unknown-field.conf': '5:3: peers[0].peerAS: unknown field "peerAS" (did you mean `peers[0].peerASN`?)',
  'yaml-error.conf':
    '5:4: YAML syntax error: "peerASN:" is indented under "peerIP: 21.0.101.80", which already has a value; is a parent key missing above line 5, or is it indented too far?',
};

describe('loadAdvertiserConfig', () => {
  it('loads the example of the spec', async () => {
    const result = await loadAdvertiserConfig(example);
    expect(result).toEqual({
      ok: true,
      file: example,
      problems: [],
      config: {
        localIP: '21.0.101.64',
        localASN: 4273481990,
        peers: [{ peerIP: '21.0.101.80', peerASN: 4273481989 }],
      },
    });
  });

  it('covers every fixture', () => {
    const files = readdirSync(dir).filter((f) => f !== 'keepalive-over-third.conf');
    expect(files.sort()).toEqual(Object.keys(BAD_CONFIGS).sort());
  });

  it.each(Object.entries(BAD_CONFIGS))('%s gives exactly: %s', async (name, expected) => {
    const result = await loadAdvertiserConfig(dir + name);
    expect(result.ok).toBe(false);
    expect(result.problems.map(formatProblem)).toEqual([`${dir}${name}:${expected}`]);
  });

  it('accepts a keepalive above a third of the hold time with a warning', async () => {
    const result = await loadAdvertiserConfig(`${dir}keepalive-over-third.conf`);
    expect(result.ok).toBe(true);
    expect(result.problems.map(formatProblem)).toEqual([
      `${dir}keepalive-over-third.conf:4:16: warning: keepaliveTime: keepaliveTime 4 is more than a third of holdTime 9: a single lost keepalive can expire the session`,
    ]);
    if (result.ok) {
      expect(resolveTimers(result.config, result.config.peers[0])).toEqual({
        holdTime: 9,
        keepaliveTime: 4,
        connectRetryTime: 5,
      });
    }
  });

  it('reports an unreadable file as readError without problems', async () => {
    const result = await loadAdvertiserConfig(`${dir}missing.conf`);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([]);
    expect(!result.ok && result.readError).toMatch(/^cannot read .*missing\.conf: ENOENT/);
  });

  it('parses text with per-peer timers', () => {
    const text =
      'localIP: 10.0.0.1\nlocalASN: 65001\nholdTime: 30\npeers:\n- {peerIP: 10.0.0.2, peerASN: 65002, holdTime: 9}\n';
    const result = parseAdvertiserConfigText(text, 'a.conf');
    expect(result.ok && resolveTimers(result.config, result.config.peers[0])).toEqual({
      holdTime: 9,
      keepaliveTime: 3,
      connectRetryTime: 5,
    });
  });

  it('accepts peers of both families with localIPOtherFamily (dual stack)', () => {
    const text = [
      'localIP: 10.0.1.10',
      'localIPOtherFamily: 2001:db8:1::10',
      'localASN: 65001',
      'peers:',
      '- {peerIP: 10.0.1.254, peerASN: 65002}',
      '- {peerIP: 2001:db8:1::fe, peerASN: 65002}',
    ].join('\n');
    const result = parseAdvertiserConfigText(text, 'a.conf');
    expect(result.problems).toEqual([]);
    expect(result.ok && result.config.localIPOtherFamily).toBe('2001:db8:1::10');
  });

  it("keeps a peer's bfd settings, and bfd: {} (the recommended profile) means on", () => {
    const text = [
      'localIP: 21.0.101.64',
      'localASN: 4273481990',
      'peers:',
      '- peerIP: 21.0.101.80',
      '  peerASN: 4273481989',
      '  bfd: {minTxMs: 300, minRxMs: 250, multiplier: 3, multihop: true, strict: false}',
      '- peerIP: 21.0.101.81',
      '  peerASN: 4273481989',
      '  bfd: {}',
      '- peerIP: 21.0.101.82',
      '  peerASN: 4273481989',
    ].join('\n');
    const result = parseAdvertiserConfigText(text, 'a.conf');
    expect(result.ok && result.config.peers.map((p) => p.bfd)).toEqual([
      { minTxMs: 300, minRxMs: 250, multiplier: 3, multihop: true, strict: false },
      {},
      undefined,
    ]);
  });
});
