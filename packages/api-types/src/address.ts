/**
 * Address syntax as the CRDs' OpenAPI patterns express it. Parsing, pool entries and overlap checks
 * live in one place, @bgplb/floating-ip-allocator (the allocator uses the same grammar, so a pool
 * that validates is exactly a pool that allocates); they are re-exported here for convenience.
 */
export {
  findOverlaps,
  formatIPv4,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  type NumericRange,
  type PoolEntryResult,
  type PoolGrammarOptions,
  parseAddress,
  parsePoolEntry,
  rangeContains,
  rangeText,
} from '@bgplb/floating-ip-allocator';

/** One decimal octet without leading zeros (0..255), for the OpenAPI patterns. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted-quad IPv4 address, strict (no leading zeros, exactly four parts). */
export const IPV4_PATTERN_SOURCE = `${OCTET}(\\.${OCTET}){3}`;
/** OpenAPI `pattern` of an IPv4 address field. */
export const IPV4_PATTERN = `^${IPV4_PATTERN_SOURCE}$`;
/** OpenAPI `pattern` of an IPv4 prefix `a.b.c.d/len`. */
export const IPV4_CIDR_PATTERN = `^${IPV4_PATTERN_SOURCE}/([0-9]|[12][0-9]|3[0-2])$`;
/** OpenAPI `pattern` of an address-pool entry: a range `a-b` or a CIDR. */
export const POOL_ENTRY_PATTERN = `^${IPV4_PATTERN_SOURCE}(-${IPV4_PATTERN_SOURCE}|/([0-9]|[12][0-9]|3[0-2]))$`;
