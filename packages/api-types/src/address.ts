/**
 * Address syntax as the CRDs' OpenAPI patterns express it. Parsing, pool entries and overlap checks
 * live in one place, @bgplb/floating-ip-allocator (the allocator uses the same grammar, so a pool
 * that validates is exactly a pool that allocates); they are re-exported here for convenience.
 */
export {
  addressFamily,
  canonicalAddress,
  type Family,
  familyName,
  findOverlaps,
  formatIPv4,
  formatIPv6,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  type NumericRange,
  type PoolEntryResult,
  parseAddress,
  parsePoolEntry,
  rangeContains,
  rangeText,
  zoneIndexError,
} from '@bgplb/floating-ip-allocator';

/** The host prefix of an address (a VIP as announced): `/32` for IPv4, `/128` for IPv6. */
export function hostPrefix(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** One decimal octet without leading zeros (0..255), for the OpenAPI patterns. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted-quad IPv4 address, strict (no leading zeros, exactly four parts). */
export const IPV4_PATTERN_SOURCE = `${OCTET}(\\.${OCTET}){3}`;
/** OpenAPI `pattern` of an IPv4 address field. */
export const IPV4_PATTERN = `^${IPV4_PATTERN_SOURCE}$`;
/** OpenAPI `pattern` of an IPv4 prefix `a.b.c.d/len`. */
export const IPV4_CIDR_PATTERN = `^${IPV4_PATTERN_SOURCE}/([0-9]|[12][0-9]|3[0-2])$`;

/**
 * IPv6 address text without zone, as the ABNF of RFC 3986 section 3.2.2 spells it (eight groups,
 * `::` for one run of zero groups, an optional dotted-quad tail). Built from the grammar rather
 * than copied so that each alternative can be read against the RFC; a test checks it against
 * ipaddr.js, the parser everything else uses.
 */
function ipv6PatternSource(): string {
  const h16 = '[0-9a-fA-F]{1,4}';
  const ls32 = `(${h16}:${h16}|${IPV4_PATTERN_SOURCE})`;
  /** `n` groups each followed by a colon. */
  const groups = (n: number) => (n === 0 ? '' : `(${h16}:){${n}}`);
  /** Up to `n` groups before `::` (`[ *n( h16 ":" ) h16 ]`), n = -1 for none. */
  const before = (n: number) => (n < 0 ? '' : n === 0 ? `(${h16})?` : `((${h16}:){0,${n}}${h16})?`);
  const forms = [
    `${groups(6)}${ls32}`,
    `::${groups(5)}${ls32}`,
    ...[0, 1, 2, 3, 4].map((n) => `${before(n)}::${groups(4 - n)}${ls32}`),
    `${before(5)}::${h16}`,
    `${before(6)}::`,
  ];
  return `(${forms.join('|')})`;
}
/** IPv6 address (see ipv6PatternSource). */
export const IPV6_PATTERN_SOURCE = ipv6PatternSource();
/** OpenAPI `pattern` of an IPv6 address field. */
export const IPV6_PATTERN = `^${IPV6_PATTERN_SOURCE}$`;
/** Prefix lengths 0..32 and 0..128 without leading zeros. */
const IPV4_LENGTH = '([0-9]|[12][0-9]|3[0-2])';
const IPV6_LENGTH = '([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])';
/** OpenAPI `pattern` of an IPv4 or IPv6 address field. */
export const IP_PATTERN = `^(${IPV4_PATTERN_SOURCE}|${IPV6_PATTERN_SOURCE})$`;
/** OpenAPI `pattern` of an IPv4 or IPv6 prefix `address/length` (`10.0.0.8/32`, `2001:db8::8/128`). */
export const IP_PREFIX_PATTERN = `^(${IPV4_PATTERN_SOURCE}/${IPV4_LENGTH}|${IPV6_PATTERN_SOURCE}/${IPV6_LENGTH})$`;
/** OpenAPI `pattern` of an address-pool entry: a range `a-b` or a CIDR, IPv4 or IPv6. */
export const POOL_ENTRY_PATTERN =
  `^(${IPV4_PATTERN_SOURCE}(-${IPV4_PATTERN_SOURCE}|/${IPV4_LENGTH})` +
  `|${IPV6_PATTERN_SOURCE}(-${IPV6_PATTERN_SOURCE}|/${IPV6_LENGTH}))$`;
