/**
 * @bgplb/floating-ip-allocator: pure, deterministic "who gets which IP" decisions.
 *
 * - assignFloatingIPs: floating IPs (NetworkGatewayGroup) -> nodes in the same subnet.
 * - parsePools / allocateServiceVIPs / VipAllocator: Service VIPs from address pools.
 * - selectNextHops / rendezvousTopK: next hops per VIP and per BGP session.
 *
 * Every function takes and returns plain data; bad input is reported in the result, not thrown.
 */
export {
  canonicalAddress,
  type Family,
  formatAddress,
  inSubnet,
  type Parsed,
  type ParsedAddress,
  type ParsedCIDR,
  parseAddress,
  parseCIDR,
  toMillis,
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
export { type NextHopPlan, type PlanNextHopsInput, planNextHops } from './next-hop-plan.js';
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
export { type AllocateResult, type PoolUsage, VipAllocator } from './vip-allocator.js';
