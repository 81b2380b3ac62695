/**
 * @bgplb/floating-ip-allocator: pure, deterministic "who gets which IP" decisions.
 *
 * - assignFloatingIPs: floating IPs (NetworkGatewayGroup) -> nodes in the same subnet.
 * - parseAddress / parsePoolEntry / findOverlaps: the one address and pool grammar (IPv4 and
 *   IPv6), also used by @bgplb/api-types validation.
 * - parsePools / allocateServiceVIPs / VipAllocator: Service VIPs from address pools.
 * - selectNextHops / rendezvousTopK: next hops per VIP and per BGP session.
 *
 * Every function takes and returns plain data; bad input is reported in the result, not thrown.
 */
export {
  addressFamily,
  canonicalAddress,
  compareAddresses,
  compareAddressText,
  type Family,
  familyBits,
  familyName,
  formatAddress,
  formatIPv4,
  formatIPv6,
  inSubnet,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  type Parsed,
  type ParsedAddress,
  type ParsedCIDR,
  parseAddress,
  parseCIDR,
  toMillis,
  zoneIndexError,
} from './address.js';
export {
  type AssignFloatingIPsInput,
  assignFloatingIPs,
  type FloatingIPAssignmentResult,
  type FloatingIPMove,
  type FloatingIPMoveReason,
  type FloatingIPNode,
  type TimeInput,
} from './floating-ips.js';
export { hashString, rendezvousTopK, rendezvousWeight, topKByHash } from './hash.js';
export {
  type FloatingIPLease,
  heldSinceOf,
  type LeaseFreshness,
  type LeaseFreshnessInput,
  leaseFreshness,
} from './lease-freshness.js';
export {
  createNextHopSelector,
  type LBNode,
  type NextHopSelection,
  type NextHopSelector,
  type PeerSessions,
  type SelectNextHopsInput,
  type SessionNextHops,
  selectNextHops,
} from './next-hops.js';
export { findOverlaps } from './overlaps.js';
export {
  type NumericRange,
  type PoolEntryResult,
  parsePoolEntry,
  rangeContains,
  rangeText,
} from './pool-entry.js';
export {
  type AddressPoolInput,
  type ParsedPool,
  type ParsePoolsResult,
  type PoolError,
  type PoolRange,
  parsePools,
} from './pools.js';
export {
  type AllocateServiceVIPsInput,
  type AllocateServiceVIPsResult,
  allocateServiceVIPs,
  type ServiceVIPRequest,
  type VIPConflict,
} from './service-vips.js';
export { countSubnetRouterAnycast, isSubnetRouterAnycast } from './subnet-router-anycast.js';
export { type AllocateResult, type PoolUsage, VipAllocator } from './vip-allocator.js';
