/**
 * The receive half of GTSM (RFC 5881 §5: single-hop packets must arrive with TTL/Hop Limit 255,
 * proving they were not routed). Node's dgram can set the TTL of what we send but cannot read the
 * TTL of what we receive (no IP_RECVTTL, no IP_MINTTL), so the check is left to the kernel: an
 * nftables table that drops BFD packets with a lower TTL before they reach any socket.
 *
 * `gtsmRuleset` is the pure part (the nft script); `installGtsmRules` loads it with `nft -f -`
 * (needs CAP_NET_ADMIN, as holding floating IPs already does) and replaces any earlier copy.
 */
import { execFile } from 'node:child_process';
import { BFD_MULTIHOP_PORT, BFD_SINGLE_HOP_PORT } from './manager.js';

export const GTSM_TABLE = 'bgplb_bfd_gtsm';

export interface GtsmOptions {
  singleHopPort?: number;
  multihopPort?: number;
  /**
   * Lowest TTL accepted on the multihop port (RFC 5883 leaves it to configuration; FRR's default
   * minimum-ttl is 254). Omit to accept any TTL there.
   */
  multihopMinTtl?: number;
}

function port(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new RangeError(`${name} must be an integer in 1..65535, got ${value}`);
  return value;
}

/** The nftables script that enforces GTSM on the BFD ports (IPv4 TTL and IPv6 Hop Limit). */
export function gtsmRuleset(options: GtsmOptions = {}): string {
  const single = port('singleHopPort', options.singleHopPort ?? BFD_SINGLE_HOP_PORT);
  const multi = port('multihopPort', options.multihopPort ?? BFD_MULTIHOP_PORT);
  const lines = [
    `table inet ${GTSM_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority -150; policy accept;',
    `    udp dport ${single} ip ttl != 255 counter drop comment "BFD single-hop GTSM (RFC 5881)"`,
    `    udp dport ${single} ip6 hoplimit != 255 counter drop comment "BFD single-hop GTSM (RFC 5881)"`,
  ];
  if (options.multihopMinTtl !== undefined) {
    const min = options.multihopMinTtl;
    if (!Number.isInteger(min) || min < 1 || min > 255)
      throw new RangeError(`multihopMinTtl must be an integer in 1..255, got ${min}`);
    lines.push(
      `    udp dport ${multi} ip ttl < ${min} counter drop comment "BFD multihop minimum TTL (RFC 5883)"`,
      `    udp dport ${multi} ip6 hoplimit < ${min} counter drop comment "BFD multihop minimum TTL (RFC 5883)"`,
    );
  }
  lines.push('  }', '}');
  // Declaring the table first makes the delete valid when it does not exist yet: the script
  // replaces an earlier copy atomically.
  return `table inet ${GTSM_TABLE}\ndelete table inet ${GTSM_TABLE}\n${lines.join('\n')}\n`;
}

function nft(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nft ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Loads the GTSM rules into the current network namespace (replacing earlier ones). */
export async function installGtsmRules(options: GtsmOptions = {}): Promise<void> {
  await nft(['-f', '-'], gtsmRuleset(options));
}

/** Removes the GTSM rules; a no-op when they are not loaded. */
export async function removeGtsmRules(): Promise<void> {
  await nft(['-f', '-'], `table inet ${GTSM_TABLE}\ndelete table inet ${GTSM_TABLE}\n`);
}
