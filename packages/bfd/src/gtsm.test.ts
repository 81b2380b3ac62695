import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GTSM_TABLE, gtsmRuleset } from './gtsm.js';

function nftCheckSkipReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'needs root (nft -c talks to netfilter)';
  try {
    execFileSync('sh', ['-c', 'command -v nft'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs nft (nftables); run scripts/bootstrap.sh as root';
  }
}

describe('gtsmRuleset', () => {
  it('drops single-hop packets whose TTL or Hop Limit is not 255', () => {
    const rules = gtsmRuleset();
    expect(rules).toContain(`table inet ${GTSM_TABLE} {`);
    expect(rules).toContain('udp dport 3784 ip ttl != 255 counter drop');
    expect(rules).toContain('udp dport 3784 ip6 hoplimit != 255 counter drop');
    expect(rules).not.toContain('4784');
  });

  it('adds a multihop minimum TTL on request, on the configured ports', () => {
    const rules = gtsmRuleset({ singleHopPort: 13784, multihopPort: 14784, multihopMinTtl: 254 });
    expect(rules).toContain('udp dport 13784 ip ttl != 255');
    expect(rules).toContain('udp dport 14784 ip ttl < 254 counter drop');
    expect(rules).toContain('udp dport 14784 ip6 hoplimit < 254 counter drop');
  });

  it('refuses bad ports and TTLs', () => {
    expect(() => gtsmRuleset({ singleHopPort: 0 })).toThrow(
      /singleHopPort must be an integer in 1..65535, got 0/,
    );
    expect(() => gtsmRuleset({ multihopPort: 65536 })).toThrow(/multihopPort/);
    expect(() => gtsmRuleset({ multihopMinTtl: 256 })).toThrow(/multihopMinTtl must be an integer in 1..255/);
  });

  const skip = nftCheckSkipReason();
  if (skip) console.warn(`nft syntax check skipped: ${skip}`);
  it.skipIf(skip)('is accepted by nft (check mode, nothing is loaded)', () => {
    expect(() =>
      execFileSync('nft', ['-c', '-f', '-'], {
        input: gtsmRuleset({ multihopMinTtl: 254 }),
        stdio: ['pipe', 'ignore', 'pipe'],
      }),
    ).not.toThrow();
  });
});
