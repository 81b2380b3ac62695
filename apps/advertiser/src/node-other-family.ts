/**
 * A control-plane node's address of the other family, for a Cluster-configured speaker: the
 * Cluster gives each control-plane node ONE address, so with a control-plane VIP of the other
 * family (`vips.controlPlaneVIPOtherFamily`) the next hop of that VIP comes from the host, the way
 * kubelet's dual-stack node IPs usually are: the global addresses of that family on the interface
 * that holds the node's address. Pure: the host's addresses are an input (shared/host-addresses.ts
 * reads them). Exactly one is used; none leaves that VIP out (the reason names the interface);
 * several are refused, never guessed (a wrong next hop black-holes the VIP), and
 * `--node-ip-other-family` resolves them.
 */
import { inSubnet } from '@bgplb/floating-ip-allocator';
import type { HostAddress } from './shared/host-addresses.js';
import { OWNED_LABEL_SUFFIX } from './shared/ip-addresses.js';
import { familyOf } from './vip-next-hops.js';

type FamilyName = ReturnType<typeof familyOf>;
const FLAG = '--node-ip-other-family';
/** fe80::/10 and 169.254.0.0/16: valid on one link only, never a next hop a router is given. */
const linkLocal = (ip: string): boolean => inSubnet(ip, 'fe80::/10') || inSubnet(ip, '169.254.0.0/16');

export interface OtherFamilyInput {
  /** This node's address in the Cluster (`localIP`). */
  node: string;
  /** Every control-plane VIP of the Cluster (one, or one of each family). */
  vips: readonly string[];
  /** `--node-ip-other-family`: wins over the host's addresses. */
  given?: string | undefined;
  /** The host's addresses; called only when the node needs one of the other family. */
  hostAddresses: () => readonly HostAddress[];
}

export type OtherFamilyResult =
  /** `address`: `localIPOtherFamily`; absent when no VIP needs one (or `unannounced` says why not). */
  | { ok: true; address?: string; unannounced?: { vip: string; reason: string } }
  | { ok: false; error: string };

/**
 * This node's address of the family of the control-plane VIP that is not of its address's family.
 * Host addresses that are never the node's own are skipped: link-local ones, IPv6 ones in passing (dadfailed,
 * deprecated: also how our VIPs and floating IPs are added, temporary), the control-plane VIPs
 * themselves (held on an interface with --vip-interface), the node agent's floating IPs (label
 * `<if>:bgplb`). A `tentative` address (duplicate address detection, about a second after it was
 * added) counts: it is the node's address at a boot that starts the speaker early, and leaving
 * the VIP out for it would last until the next reload.
 */
export function nodeAddressOfOtherFamily(input: OtherFamilyInput): OtherFamilyResult {
  const { node, vips, given } = input;
  const own = familyOf(node);
  const other: FamilyName = own === 'IPv4' ? 'IPv6' : 'IPv4';
  if (given !== undefined) {
    if (familyOf(given) === own)
      return {
        ok: false,
        error: `${FLAG} ${given} is ${own} like the node address ${node}: it is this node's ${other} address`,
      };
    if (vips.includes(given))
      return { ok: false, error: `${FLAG} ${given} is a control-plane VIP, not this node's address` };
    return { ok: true, address: given };
  }
  const vip = vips.find((v) => familyOf(v) === other);
  if (vip === undefined) return { ok: true };
  const host = input.hostAddresses();
  const interfaces = [...new Set(host.filter((a) => a.ip === node).map((a) => a.ifname))];
  if (interfaces.length === 0)
    return {
      ok: true,
      unannounced: {
        vip,
        reason: `the node address ${node} is on no interface of this host, so its ${other} address is not known: pass ${FLAG}`,
      },
    };
  const where = `${interfaces.join(', ')} (the interface${interfaces.length > 1 ? 's' : ''} of the node address ${node})`;
  const ofFamily = host.filter(
    (a) =>
      interfaces.includes(a.ifname) &&
      familyOf(a.ip) === other &&
      !linkLocal(a.ip) &&
      !vips.includes(a.ip) &&
      !(a.label?.endsWith(OWNED_LABEL_SUFFIX) ?? false),
  );
  const skipped = ofFamily.filter((a) => a.states?.some((s) => s !== 'tentative'));
  // Sorted: `ip addr` lists the newest IPv6 address first; the message should not depend on it.
  const candidates = [...new Set(ofFamily.filter((a) => !skipped.includes(a)).map((a) => a.ip))].sort();
  if (candidates.length === 1) return { ok: true, address: candidates[0] as string };
  if (candidates.length > 1)
    return {
      ok: false,
      error: `${where} has several global ${other} addresses (${candidates.join(', ')}): pass ${FLAG} with the one the routers reach this node at (the next hop of the control-plane VIP ${vip})`,
    };
  const notes = skipped.map(
    (a) => `${a.ip} is ${(a.states ?? []).filter((s) => s !== 'tentative').join(' and ')}`,
  );
  return {
    ok: true,
    unannounced: {
      vip,
      reason: `${where} has no global ${other} address${notes.length > 0 ? ` (${notes.join('; ')})` : ''}: the VIP is announced with this node's ${other} address as next hop (give the interface one, or pass ${FLAG})`,
    },
  };
}
