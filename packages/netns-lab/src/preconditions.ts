import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const BGPD = '/usr/lib/frr/bgpd';
export const ZEBRA = '/usr/lib/frr/zebra';
export const BFDD = '/usr/lib/frr/bfdd';

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a network-namespace suite cannot run here, or undefined when it can.
 * Use as `describe.skipIf(labSkipReason())` and print the reason, so a skip is never silent.
 */
export function labSkipReason(
  options: { frr?: boolean; bfdd?: boolean; nft?: boolean; ndptool?: boolean } = {},
): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'needs root (network namespaces); run as root or in CI';
  }
  if (!onPath('ip')) return 'needs iproute2 (`ip`); run scripts/bootstrap.sh as root';
  if (options.frr !== false) {
    if (!existsSync(BGPD)) return `needs FRR (${BGPD}); run scripts/bootstrap.sh as root`;
    if (!onPath('vtysh')) return 'needs FRR vtysh; run scripts/bootstrap.sh as root';
  }
  if (options.bfdd && !existsSync(BFDD)) return `needs FRR bfdd (${BFDD}); run scripts/bootstrap.sh as root`;
  if (options.nft && !onPath('nft')) return 'needs nft (nftables); run scripts/bootstrap.sh as root';
  if (options.ndptool && !onPath('ndptool')) {
    return 'needs ndptool (libndp-tools); run scripts/bootstrap.sh as root';
  }
  return undefined;
}
