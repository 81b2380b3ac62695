import {
  type Family,
  familyName,
  formatIPv4,
  formatIPv6,
  IP_PATTERN,
  ipv4ToNumber,
  isIPv6,
  parseAddress,
  zoneIndexError,
} from '../address.js';
import * as z from './zod-mini.js';

/*
 * The fields of a BGP session (AS numbers, addresses, timers, BFD), shared by the advertiser config,
 * the BGPPeer, the BGPSession and the Cluster. Written with zod's mini API (see zod-mini.ts), so that
 * `bgpadvertiser --config` does not load the classic one; the other kinds embed them as they are.
 * Each chain is the classic one spelt as checks: `.int().min(3)` is `.check(z.int(), z.gte(3))`,
 * `.describe(d)` / `.meta(m)` are `.check(z.describe(d))` / `.check(z.meta(m))`.
 */

/** Highest usable ASN: 4294967295 itself is reserved (RFC 7300). */
export const MAX_ASN = 4294967294;
/** ASNs that may not be used for a BGP session, with the reason (RFC 6793, RFC 7300, RFC 7607). */
export const RESERVED_ASNS: ReadonlyMap<number, string> = new Map([
  [0, 'ASN 0 is reserved (RFC 7607) and cannot be used in a session'],
  [23456, 'ASN 23456 is AS_TRANS (RFC 6793), a placeholder for 4-octet ASNs, not a real ASN'],
  [65535, 'ASN 65535 is reserved (RFC 7300)'],
  [4294967295, 'ASN 4294967295 is reserved (RFC 7300)'],
]);

/**
 * A 4-octet AS number usable for eBGP: an integer in 1..4294967294 other than 23456 (AS_TRANS) and
 * 65535. The OpenAPI schema expresses the same rule with minimum/maximum and `not: {enum}`.
 */
export const Asn = z
  .number()
  .check(
    z.int(),
    z.superRefine((n: number, ctx) => {
      const reserved = RESERVED_ASNS.get(n);
      if (reserved !== undefined) ctx.addIssue({ code: 'custom', message: reserved, input: n });
      else if (n < 1 || n > MAX_ASN) {
        ctx.addIssue({ code: 'custom', message: `ASN ${n} is outside 1..${MAX_ASN}`, input: n });
      }
    }),
  )
  .check(z.meta({ minimum: 1, maximum: MAX_ASN, format: 'int64', not: { enum: [23456, 65535] } }));
export type Asn = z.infer<typeof Asn>;

/** Back-compatible name of {@link Asn} (the seed exported it). */
export const asnSchema = Asn;

/**
 * Why `text` cannot stand in an address field, or undefined when it can: a dotted-quad IPv4 address,
 * or an IPv6 address in RFC 5952 form (lowercase, shortest). Canonical text is required because
 * addresses are compared as text everywhere (kubectl columns, label values, the agents' route
 * keys): `2001:DB8::1` and `2001:db8::1` would otherwise be two different next hops. Link-local
 * IPv6 addresses are refused: they mean something only together with an interface, and bgplb binds
 * sessions, VIPs and floating IPs by address alone (docs/configuration.md, "IPv6").
 */
export function ipAddressProblem(text: string): string | undefined {
  if (ipv4ToNumber(text) !== undefined) return undefined;
  const zone = zoneIndexError(text);
  const bare = zone === undefined ? text : text.slice(0, text.indexOf('%'));
  const parsed = isIPv6(bare) ? parseAddress(bare) : undefined;
  if (parsed === undefined || !parsed.ok) return `"${text}" is not a valid IPv4 (a.b.c.d) or IPv6 address`;
  const value = parsed.value.value;
  if (value >> 118n === 0x3fan)
    return `link-local address ${text} is refused: it is ambiguous without an interface, and bgplb binds sessions and addresses by address alone; use a global or unique-local (fc00::/7) address`;
  if (zone !== undefined) return zone;
  if (value >> 32n === 0xffffn)
    return `${text} is an IPv4-mapped IPv6 address; write the IPv4 address ${formatIPv4(Number(value & 0xffffffffn))}`;
  const canonical = formatIPv6(value);
  if (canonical !== text) return `${text} is not in RFC 5952 form; write ${canonical}`;
  return undefined;
}

/**
 * An IPv4 (dotted quad) or IPv6 (RFC 5952) address; see {@link ipAddressProblem} for what is refused.
 */
export const IPAddress = z
  .string()
  .check(
    z.superRefine((text: string, ctx) => {
      const message = ipAddressProblem(text);
      if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: text });
    }),
  )
  .check(z.meta({ pattern: IP_PATTERN }));

/**
 * The family of a valid address or prefix text (`:` only occurs in IPv6): cheap, for the rules that
 * compare the families of fields that already passed {@link IPAddress} or the prefix schema.
 */
export function familyOfValid(text: string): Family {
  return text.includes(':') ? 6 : 4;
}

/** `a.b.c.d is IPv4` / `... is IPv6`: the words of the same-family rules' messages. */
export function withFamily(text: string): string {
  return `${text} (${familyName(familyOfValid(text))})`;
}

/** Hold time in seconds: 3..65535 (0, "never expire", is refused as unsafe). */
export const HoldTime = z
  .number()
  .check(z.int(), z.gte(3), z.lte(65535))
  .check(z.describe('Hold time in seconds (3..65535), default 90.'));
/** Keepalive interval in seconds: 1..21845 (a third of the largest hold time). */
export const KeepaliveTime = z
  .number()
  .check(z.int(), z.gte(1), z.lte(21845))
  .check(
    z.describe('Keepalive interval in seconds, below the hold time; default a third of it (at most 30).'),
  );
/** ConnectRetry timer in seconds: 1..65535. */
export const ConnectRetryTime = z
  .number()
  .check(z.int(), z.gte(1), z.lte(65535))
  .check(z.describe('Seconds between connection attempts (1..65535), default 5.'));

/**
 * Optional BGP timers, in seconds. Absent fields take {@link DEFAULT_TIMERS} (hold 90, keepalive 30,
 * connect retry 5). The keepalive must be below the hold time (a third of it is recommended).
 */
export const BGPTimers = z.strictObject({
  holdTime: z.optional(HoldTime),
  keepaliveTime: z.optional(KeepaliveTime),
  connectRetryTime: z.optional(ConnectRetryTime),
});
export type BGPTimers = z.infer<typeof BGPTimers>;

/** A BFD interval in milliseconds: 10..60000, the range FRR's bfdd accepts too. */
const BfdIntervalMs = z.number().check(z.int(), z.gte(10), z.lte(60000));

/**
 * BFD (RFC 5880) on a BGP session: an extension beyond the original product (SPEC §13). Present
 * means on (`bfd: {}` takes the recommended profile, 300 ms x 3); absent means off. A BFD Down
 * ends the BGP session at once with Cease/BFD Down (RFC 9384) instead of waiting for the hold
 * timer. The values mirror `@bgplb/bfd`'s `BFD_RECOMMENDED_PROFILE`.
 */
export const BfdSettings = z
  .strictObject({
    minTxMs: z
      .optional(BfdIntervalMs)
      .check(z.describe('Desired Min TX Interval once Up, milliseconds (10..60000), default 300.')),
    minRxMs: z
      .optional(BfdIntervalMs)
      .check(z.describe('Required Min RX Interval, milliseconds (10..60000), default 300.')),
    multiplier: z
      .optional(z.number().check(z.int(), z.gte(2), z.lte(255)))
      .check(
        z.describe(
          'Detect multiplier: packets missed before the session is declared Down (2..255), default 3.',
        ),
      ),
    multihop: z
      .optional(z.boolean())
      .check(
        z.describe('RFC 5883 multihop (UDP 4784) instead of RFC 5881 single-hop (UDP 3784); default false.'),
      ),
    strict: z
      .optional(z.boolean())
      .check(z.describe('Keep the BGP session down until BFD is Up (and while it is Down); default false.')),
  })
  .check(
    z.describe(
      'BFD (RFC 5880) to the peer, an extension: present = on, absent = off. Recommended profile 300 ms x 3 (`{}`).',
    ),
  );
export type BfdSettings = z.infer<typeof BfdSettings>;

/** Timers with every field present. */
export interface ResolvedTimers {
  holdTime: number;
  keepaliveTime: number;
  connectRetryTime: number;
}
