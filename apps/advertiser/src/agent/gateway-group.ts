/**
 * The agent's reading of the NetworkGatewayGroup `default`: which floating IPs exist and which
 * node holds each. Lenient on purpose: one bad entry (written by hand) is skipped and logged, the
 * rest still used, so a typo does not take every floating IP off the cluster.
 */
import { isIPv4 } from '@bgplb/api-types';
import type { Logger } from '../shared/index.js';

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
    for (const ip of obj.spec.floatingIPs) {
      if (typeof ip === 'string' && isIPv4(ip)) floatingIPs.push(ip);
      else
        log?.warn(
          { value: ip },
          'NetworkGatewayGroup spec.floatingIPs has an entry that is not an IPv4 address; ignored',
        );
    }
  }
  const assignments: Record<string, string> = {};
  const status = obj.status?.floatingIPs;
  if (status !== null && typeof status === 'object') {
    for (const [ip, node] of Object.entries(status as Record<string, unknown>)) {
      if (!isIPv4(ip) || typeof node !== 'string') {
        log?.warn({ ip, node }, 'NetworkGatewayGroup status.floatingIPs has an invalid entry; ignored');
        continue;
      }
      assignments[ip] = node;
    }
  }
  return { found: true, assignments, floatingIPs };
}
