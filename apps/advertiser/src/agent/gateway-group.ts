/**
 * The agent's reading of the NetworkGatewayGroup `default`: which floating IPs exist and which
 * node holds each. Lenient on purpose: one bad entry (written by hand) is skipped and logged, the
 * rest still used, so a typo does not take every floating IP off the cluster.
 */
import { canonicalAddress } from '@bgplb/floating-ip-allocator';
import type { Logger } from '../shared/index.js';

/**
 * A floating IP as the node sees it: IPv4 or IPv6 in canonical text (RFC 5952 for IPv6, the form
 * `ip -j addr show` prints, so `2001:DB8::1` in the object and `2001:db8::1` on the interface are
 * one address); undefined when it is neither.
 */
function floatingIPText(value: unknown): string | undefined {
  return typeof value === 'string' && !value.includes('/') ? canonicalAddress(value) : undefined;
}

export interface GatewayGroupView {
  /** Whether the object exists (a clearer refusal message when it does not). */
  found: boolean;
  /** `status.floatingIPs`: floating IP -> node. */
  assignments: Record<string, string>;
  /** `spec.floatingIPs`: every floating IP, whichever node holds it. */
  floatingIPs: string[];
}

export const NO_GATEWAY_GROUP: GatewayGroupView = { found: false, assignments: {}, floatingIPs: [] };

/** Reads a NetworkGatewayGroup leniently: bad entries are skipped (and logged), the rest used. */
export function readGatewayGroup(raw: unknown, log?: Logger): GatewayGroupView {
  if (raw === undefined || raw === null || typeof raw !== 'object') return NO_GATEWAY_GROUP;
  const obj = raw as { spec?: { floatingIPs?: unknown }; status?: { floatingIPs?: unknown } };
  const floatingIPs: string[] = [];
  if (Array.isArray(obj.spec?.floatingIPs)) {
    for (const value of obj.spec.floatingIPs) {
      const ip = floatingIPText(value);
      if (ip !== undefined) floatingIPs.push(ip);
      else
        log?.warn(
          { value },
          'NetworkGatewayGroup spec.floatingIPs has an entry that is not an IPv4 or IPv6 address; ignored',
        );
    }
  }
  const assignments: Record<string, string> = {};
  const status = obj.status?.floatingIPs;
  if (status !== null && typeof status === 'object') {
    for (const [key, node] of Object.entries(status as Record<string, unknown>)) {
      const ip = floatingIPText(key);
      if (ip === undefined || typeof node !== 'string') {
        log?.warn({ ip: key, node }, 'NetworkGatewayGroup status.floatingIPs has an invalid entry; ignored');
        continue;
      }
      assignments[ip] = node;
    }
  }
  return { found: true, assignments, floatingIPs };
}
