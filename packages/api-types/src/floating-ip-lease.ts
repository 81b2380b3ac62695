/**
 * The per-floating-IP Lease (SPEC §13 extension, issue 17): the node holding a floating IP renews
 * one coordination.k8s.io Lease for it; the controller moves the floating IP when it stops. Its
 * name and labels are a contract between the node agent (writer) and the controller (watcher).
 */
import { canonicalAddress } from '@bgplb/floating-ip-allocator';

/** Label on every floating-IP Lease; the controller watches `<label>=true`. */
export const FLOATING_IP_LEASE_LABEL = 'networking.gke.io/floating-ip-lease';
/** Annotation carrying the floating IP itself (a label value cannot hold an IPv6 address). */
export const FLOATING_IP_ANNOTATION = 'networking.gke.io/floating-ip';
/** Defaults of the agent's renew period and of the expiry (agent fencing and controller), seconds. */
export const FLOATING_IP_LEASE_DEFAULTS = { renewSeconds: 1, expirySeconds: 3 } as const;

/**
 * The Lease name of a floating IP: `bgplb-fip-<ip>`, with an IPv6 address in its RFC 5952 form and
 * its `:` written as `-` (a name must be a DNS subdomain). One floating IP, one name, on every node
 * and replica, however the address was spelt (`2001:DB8:0::1` and `2001:db8::1` are one Lease).
 * An IPv6 address ending in `::` would give a name ending in `-`, which a DNS subdomain may not:
 * it is written with its last zero group spelt out (`2001:db8::` -> `bgplb-fip-2001-db8--0`; `::0`
 * is the same address, so no other floating IP can have that name).
 */
export function floatingIPLeaseName(ip: string): string {
  const text = (canonicalAddress(ip) ?? ip).toLowerCase();
  const zeroTail = text.endsWith(':') ? '0' : '';
  return `bgplb-fip-${text.replaceAll(':', '-')}${zeroTail}`;
}
