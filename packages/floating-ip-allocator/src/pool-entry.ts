/**
 * The grammar of one address-pool entry (`loadBalancer.addressPools[].addresses[]`), the single
 * definition used by api-types validation and by the allocator, so a pool that validates is
 * exactly a pool that allocates.
 *
 * An entry is either
 * - a CIDR `10.0.0.0/30` / `2001:db8::/126`: every address of the network, which must have no
 *   host bits set (`10.0.0.1/30` is refused and the message gives `10.0.0.0/30`), or
 * - an inclusive range `10.0.0.1-10.0.0.4` / `2001:db8::1-2001:db8::4`, both ends of one family,
 *   start <= end.
 * A single address is written as a /32 (/128) CIDR; a bare address is refused with a message that
 * says so (as in the spec and the CRD pattern). No whitespace anywhere (the CRD pattern refuses it
 * too), strict address forms only: dotted quads without leading zeros, IPv6 without zone.
 *
 * IPv4 and IPv6 entries may be mixed in one pool; each family is allocated separately (a Service
 * asks for a family). IPv6 entries follow the same rules as IPv4 ones.
 */
import {
  type Family,
  familyBits,
  formatAddress,
  type ParsedAddress,
  parseAddress,
  zoneIndexError,
} from './address.js';

/** An inclusive range of addresses of one family, as numbers. */
export interface NumericRange {
  family: Family;
  first: bigint;
  last: bigint;
  /** The prefix length, when the entry was written as a CIDR (its network is `first`). */
  prefix?: number | undefined;
}

/** Result of reading one pool entry: the range, or a message that names the entry and says why. */
export type PoolEntryResult = { ok: true; value: NumericRange } | { ok: false; error: string };

const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

function fail(error: string): PoolEntryResult {
  return { ok: false, error };
}

function familyName(a: ParsedAddress | undefined): string {
  return a === undefined ? 'IP' : a.family === 4 ? 'IPv4' : 'IPv6';
}

/** Reads one address-pool entry (see the module comment for the grammar). Never throws. */
export function parsePoolEntry(entry: unknown): PoolEntryResult {
  if (typeof entry !== 'string') return fail(`address entry must be a string, got ${JSON.stringify(entry)}`);
  if (entry === '') return fail('empty address entry');
  if (/\s/.test(entry))
    return fail(`"${entry}" contains whitespace; write entries such as 10.0.0.1-10.0.0.4`);
  const dash = entry.indexOf('-');
  if (dash >= 0) return parseRange(entry, entry.slice(0, dash), entry.slice(dash + 1));
  const slash = entry.indexOf('/');
  if (slash >= 0) return parseNetwork(entry, entry.slice(0, slash), entry.slice(slash + 1));
  const single = parseAddress(entry);
  if (single.ok && single.value.family === 6) {
    return fail(
      `"${entry}" is neither a range (2001:db8::1-2001:db8::4) nor a CIDR (2001:db8::/126); a single address is written ${entry}/128`,
    );
  }
  return fail(
    `"${entry}" is neither a range (10.0.0.1-10.0.0.4) nor a CIDR (10.0.0.0/30); a single address is written a.b.c.d/32`,
  );
}

function parseRange(entry: string, firstText: string, lastText: string): PoolEntryResult {
  const first = parseAddress(firstText);
  const last = parseAddress(lastText);
  const a = first.ok ? first.value : undefined;
  const b = last.ok ? last.value : undefined;
  if (a !== undefined && b !== undefined && a.family !== b.family) {
    return fail(`range "${entry}" mixes IPv4 and IPv6; both ends must be of the same family`);
  }
  if (a === undefined || b === undefined) {
    const bad = a === undefined ? firstText : lastText;
    const zone = zoneIndexError(bad);
    if (zone !== undefined) return fail(`range "${entry}": ${zone}`);
    return fail(`range "${entry}": "${bad}" is not a valid ${familyName(a ?? b)} address`);
  }
  if (a.value > b.value) {
    return fail(
      `range "${entry}" is written backwards: start ${firstText} is after end ${lastText} (write ${lastText}-${firstText})`,
    );
  }
  return { ok: true, value: { family: a.family, first: a.value, last: b.value } };
}

function parseNetwork(entry: string, addressText: string, lengthText: string): PoolEntryResult {
  const address = parseAddress(addressText);
  if (!address.ok) {
    const zone = zoneIndexError(addressText);
    if (zone !== undefined) return fail(`"${entry}": ${zone}`);
    return fail(`"${entry}": "${addressText}" is not a valid IPv4 or IPv6 address`);
  }
  const { family, value } = address.value;
  const bits = familyBits(family);
  if (!PREFIX_LENGTH.test(lengthText) || Number(lengthText) > bits) {
    return fail(`"${entry}": prefix length "${lengthText}" is not in 0..${bits}`);
  }
  const length = Number(lengthText);
  const hostBits = BigInt(bits - length);
  const network = (value >> hostBits) << hostBits;
  if (network !== value) {
    return fail(
      `CIDR "${entry}" has host bits set; the network is ${formatAddress(family, network)}/${length}`,
    );
  }
  return {
    ok: true,
    value: { family, first: network, last: network + (1n << hostBits) - 1n, prefix: length },
  };
}

/** True when `address` lies inside `range` (same family). */
export function rangeContains(range: NumericRange, address: ParsedAddress): boolean {
  return range.family === address.family && range.first <= address.value && address.value <= range.last;
}

/** `first-last` in canonical text. */
export function rangeText(range: NumericRange): string {
  return `${formatAddress(range.family, range.first)}-${formatAddress(range.family, range.last)}`;
}
