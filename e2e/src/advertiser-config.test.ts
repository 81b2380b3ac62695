import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAdvertiserConfigText } from '@bgplb/api-types';
import { describe, expect, it } from 'vitest';
import { advertiserConfig, loadBalancerOf } from './advertiser-config.js';
import { TOPOLOGIES } from './netns/e2e-lab.js';

describe('advertiserConfig', () => {
  const lb = loadBalancerOf(
    readFileSync(join(TOPOLOGIES, '03-separate-control-and-data-plane/cluster.yaml'), 'utf8'),
  );

  it('gives a control-plane node only the peers that list it', () => {
    expect(advertiserConfig(lb, '10.0.2.10')).toBe(
      'localIP: 10.0.2.10\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: 10.0.2.254\n  peerASN: 65002\n',
    );
    expect(advertiserConfig(lb, '10.0.1.11')).toContain('- peerIP: 10.0.1.254\n');
  });

  it('gives every node the peers without controlPlaneNodes', () => {
    const all = loadBalancerOf(
      readFileSync(join(TOPOLOGIES, '01-same-peers-for-all-nodes/cluster.yaml'), 'utf8'),
    );
    expect(advertiserConfig(all, '10.0.2.10').match(/peerIP/g)?.length).toBe(2);
  });

  it("copies a peer's bfd settings into the node's config, where the advertiser's schema reads them", () => {
    const withBfd = {
      ...lb,
      bgpPeers: lb.bgpPeers.map((p) => ({ ...p, bfd: { minTxMs: 300, multihop: true } })),
    };
    const text = advertiserConfig(withBfd, '10.0.2.10');
    expect(text).toContain(
      '- peerIP: 10.0.2.254\n  peerASN: 65002\n  bfd: {"minTxMs":300,"multihop":true}\n',
    );
    const parsed = parseAdvertiserConfigText(text, 'adv.conf');
    expect(parsed.ok && parsed.config.peers[0]?.bfd).toEqual({ minTxMs: 300, multihop: true });
  });

  it('refuses a node without peers and a file without a Cluster', () => {
    expect(() => advertiserConfig(lb, '10.0.3.10')).toThrow(/10.0.3.10 has no BGP peer/);
    expect(() => loadBalancerOf('kind: Service\n')).toThrow(/no Cluster/);
  });
});
