/**
 * Floating-IP planner: which addresses this node must add and remove, as a pure function of the
 * NetworkGatewayGroup (who holds which floating IP) and what `ip -j addr show` reports.
 *
 * Ownership marker: every address the agent adds is a /32 with the IPv4 address label
 * `<ifname>:bgplb` (kernel attribute IFA_LABEL, shown by `ip addr` and kept across agent
 * restarts). A restarted agent therefore recognises its own leftovers and never touches anything
 * else. Interface names longer than 9 characters leave no room for the label (IFNAMSIZ is 16), so
 * for those an unlabelled /32 equal to a floating IP listed in the NetworkGatewayGroup counts as
 * ours too: floating IPs are reserved addresses that nothing else may use. IPv6 addresses have no
 * labels at all, so an IPv6 floating IP is always recognised that way: a /128 listed as a
 * floating IP (added `nodad preferred_lft 0`, see shared/ip-addresses.ts).
 */
import { inSubnet } from '@bgplb/floating-ip-allocator';
import { hostPrefixLen, type ObservedAddress, OWNED_LABEL_SUFFIX } from '../shared/ip-addresses.js';

/** Longest label the kernel accepts (IFNAMSIZ - 1). */
const MAX_LABEL_LENGTH = 15;

/** The label the agent puts on addresses it adds to `ifname`, or undefined when it cannot fit. */
export function ownedLabel(ifname: string): string | undefined {
  const label = `${ifname}${OWNED_LABEL_SUFFIX}`;
  return label.length <= MAX_LABEL_LENGTH ? label : undefined;
}

export type FloatingIPAction =
  | { kind: 'add'; ip: string; ifname: string; label?: string | undefined }
  | { kind: 'remove'; ip: string; ifname: string; prefixLen: number; reason: string };

export interface FloatingIPPlanInput {
  /** This node's name. */
  node: string;
  /** NetworkGatewayGroup `status.floatingIPs` (ip -> node); empty when there is none. */
  assignments: Readonly<Record<string, string>>;
  /** NetworkGatewayGroup `spec.floatingIPs` (every floating IP, whichever node holds it). */
  floatingIPs: readonly string[];
  observed: readonly ObservedAddress[];
  /** Put every floating IP on this interface instead of the one found by subnet. */
  interfaceOverride?: string | undefined;
  /**
   * Floating IPs assigned to this node that it may not hold now, with why (its Lease is not held:
   * not claimed yet, taken by another node, or not renewed for the expiry: fenced).
   */
  withheld?: ReadonlyMap<string, string> | undefined;
}

export interface FloatingIPPlan {
  /** Removals first (in the order to run them), then additions. */
  actions: FloatingIPAction[];
  /** Floating IPs assigned to this node that are on an interface already and stay there. */
  held: string[];
  /** Floating IPs assigned to this node that cannot be placed, with the reason. */
  problems: Map<string, string>;
  /** Every address found that the agent owns (label or floating IP /32), desired or not. */
  owned: ObservedAddress[];
}

/** The label of a floating IP added to `ifname`: ours for IPv4, none for IPv6 (no IPv6 labels). */
function labelFor(ip: string, ifname: string): string | undefined {
  return ip.includes(':') ? undefined : ownedLabel(ifname);
}

/** True when the address carries our label, or is an unlabelled host address (/32, /128) floating IP. */
export function isOwned(a: ObservedAddress, floatingIPs: ReadonlySet<string>): boolean {
  if (a.label !== undefined && a.label === ownedLabel(a.ifname)) return true;
  return (
    a.prefixLen === hostPrefixLen(a.ip) &&
    floatingIPs.has(a.ip) &&
    (a.label === undefined || a.label === a.ifname)
  );
}

/** The interface that holds an address (not a floating IP) in `ip`'s subnet; the longest prefix wins. */
export function interfaceForSubnet(
  ip: string,
  observed: readonly ObservedAddress[],
  floatingIPs: ReadonlySet<string>,
): string | undefined {
  let best: ObservedAddress | undefined;
  for (const a of observed) {
    if (a.prefixLen >= hostPrefixLen(a.ip) || a.ip === ip || floatingIPs.has(a.ip)) continue;
    if (a.label !== undefined && a.label === ownedLabel(a.ifname)) continue;
    if (!inSubnet(ip, `${a.ip}/${a.prefixLen}`)) continue;
    // Prefer an interface that is up, then the most specific subnet.
    if (best === undefined || (a.up && !best.up) || (a.up === best.up && a.prefixLen > best.prefixLen))
      best = a;
  }
  return best?.ifname;
}

function removalReason(
  ip: string,
  node: string,
  assignments: Readonly<Record<string, string>>,
  fips: ReadonlySet<string>,
): string {
  if (!fips.has(ip)) return `${ip} is no longer a floating IP of the NetworkGatewayGroup`;
  const holder = assignments[ip];
  if (holder === undefined || holder === '') return `floating IP ${ip} is not assigned to any node`;
  return `floating IP ${ip} is assigned to node ${holder}, not ${node}`;
}

export function planFloatingIPs(input: FloatingIPPlanInput): FloatingIPPlan {
  const fips = new Set(input.floatingIPs);
  const desired = Object.entries(input.assignments)
    .filter(([ip, node]) => node === input.node && !input.withheld?.has(ip))
    .map(([ip]) => ip)
    .sort();
  const desiredSet = new Set(desired);
  const owned = input.observed.filter((a) => isOwned(a, fips));
  const removals: FloatingIPAction[] = [];
  const additions: FloatingIPAction[] = [];
  const held: string[] = [];
  const problems = new Map<string, string>();

  // Owned addresses that are no longer ours to hold.
  for (const a of owned) {
    if (!desiredSet.has(a.ip)) {
      removals.push({
        kind: 'remove',
        ip: a.ip,
        ifname: a.ifname,
        prefixLen: a.prefixLen,
        reason: input.withheld?.get(a.ip) ?? removalReason(a.ip, input.node, input.assignments, fips),
      });
    }
  }

  for (const ip of desired) {
    const present = input.observed.filter((a) => a.ip === ip);
    const target = input.interfaceOverride ?? interfaceForSubnet(ip, input.observed, fips);
    if (present.length === 0) {
      if (target === undefined) {
        problems.set(
          ip,
          `no interface on node ${input.node} has an address in the subnet of floating IP ${ip}`,
        );
      } else {
        additions.push({ kind: 'add', ip, ifname: target, label: labelFor(ip, target) });
      }
      continue;
    }
    // Keep the instance on the target interface (or, without one, the first); drop our other copies.
    const keep = present.find((a) => a.ifname === target) ?? (target === undefined ? present[0] : undefined);
    if (keep !== undefined) {
      held.push(ip);
      for (const a of present) {
        if (a !== keep && isOwned(a, fips)) {
          removals.push({
            kind: 'remove',
            ip,
            ifname: a.ifname,
            prefixLen: a.prefixLen,
            reason: `duplicate of floating IP ${ip} on ${a.ifname} (kept on ${keep.ifname})`,
          });
        }
      }
      continue;
    }
    // Present only on other interfaces: move our copies; an address someone else put there stays.
    const foreign = present.filter((a) => !isOwned(a, fips));
    if (foreign.length > 0) {
      held.push(ip);
      continue;
    }
    for (const a of present) {
      removals.push({
        kind: 'remove',
        ip,
        ifname: a.ifname,
        prefixLen: a.prefixLen,
        reason: `floating IP ${ip} belongs on ${target} (its subnet), not ${a.ifname}`,
      });
    }
    additions.push({ kind: 'add', ip, ifname: target as string, label: labelFor(ip, target as string) });
  }
  return { actions: [...removals, ...additions], held, problems, owned };
}
