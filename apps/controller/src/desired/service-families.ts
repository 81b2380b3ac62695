/**
 * A LoadBalancer Service's VIPs per address family (dual-stack, SPEC section 13): which families it
 * gets (vipFamilies over its ipFamilies / ipFamilyPolicy), which address it asks for in each
 * (`spec.loadBalancerIP` or the annotation, which may list one address of each family separated by
 * a comma), which address its status holds in each (sticky per family), and the name of the
 * BGPAdvertisedRoute of each. Pure.
 */
import { addressFamily, type Family, familyName } from '@bgplb/floating-ip-allocator';
import { REQUESTED_IP_ANNOTATION } from '../names.js';
import type { ServiceObject } from '../types.js';
import { vipFamilies } from './ip-families.js';
import type { ServiceCandidate } from './service-decision.js';

export type ServiceFamilies =
  | {
      ok: true;
      /** The families it gets a VIP of, in its ipFamilies order (the primary first). */
      families: Family[];
      /** The Service's primary family: its route keeps the plain name. */
      primary: Family;
      requested: Partial<Record<Family, string>>;
      current: Partial<Record<Family, string>>;
    }
  | { ok: false; error: string };

/** The addresses a Service asks for: the annotation (comma-separated) first, else `spec.loadBalancerIP`. */
export function requestedIps(s: ServiceObject): string[] {
  const annotated = s.metadata.annotations?.[REQUESTED_IP_ANNOTATION];
  const text = annotated !== undefined && annotated.trim() !== '' ? annotated : s.spec?.loadBalancerIP;
  if (text === undefined || text.trim() === '') return [];
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/**
 * The first address of each family in the Service's `status.loadBalancer.ingress`. The family is
 * read from the text (`:` only in IPv6) without parsing: this runs for every dual-stack Service on
 * every full reconcile, and the allocator ignores a status address that does not parse anyway.
 */
export function currentByFamily(s: ServiceObject): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  const ingress = s.status?.loadBalancer?.ingress;
  if (ingress === undefined) return out;
  for (let n = 0; n < ingress.length; n++) {
    const ip = ingress[n]!.ip;
    if (typeof ip !== 'string' || ip === '') continue;
    const f: Family = ip.includes(':') ? 6 : 4;
    if (out[f] === undefined) out[f] = ip;
  }
  return out;
}

/** Last answers of serviceFamilies by Service object (informer objects are replaced, never changed). */
const cached = new WeakMap<ServiceObject, { offered: string; answer: ServiceFamilies }>();

/** serviceFamilies, answered again for the same Service object and pool families. */
export function serviceFamiliesCached(s: ServiceObject, offered: ReadonlySet<Family>): ServiceFamilies {
  const key = offered.has(4) ? (offered.has(6) ? '46' : '4') : offered.has(6) ? '6' : '';
  const hit = cached.get(s);
  if (hit !== undefined && hit.offered === key) return hit.answer;
  const answer = serviceFamilies(s, offered);
  cached.set(s, { offered: key, answer });
  return answer;
}

/**
 * The families, requests and sticky addresses of one Service. `offered` are the families the
 * address pools hold. A Service without `ipFamilies` that asks for addresses takes their families
 * (an IPv6 `loadBalancerIP` on a Service the API server did not default is an IPv6 Service).
 */
export function serviceFamilies(s: ServiceObject, offered: ReadonlySet<Family>): ServiceFamilies {
  const asked = requestedIps(s);
  const requested: Partial<Record<Family, string>> = {};
  const askedFamilies: Family[] = [];
  for (const ip of asked) {
    const f = addressFamily(ip);
    if (f === undefined) return { ok: false, error: `requested IP "${ip}" is not an IPv4 or IPv6 address` };
    if (requested[f] !== undefined)
      return {
        ok: false,
        error: `requested IPs ${requested[f]} and ${ip} are both ${familyName(f)}: ask for at most one address of each family`,
      };
    requested[f] = ip;
    askedFamilies.push(f);
  }
  const spec = s.spec ?? {};
  const listed = spec.ipFamilies !== undefined && spec.ipFamilies.length > 0;
  const policy = spec.ipFamilyPolicy ?? 'SingleStack';
  if (!listed && policy === 'SingleStack' && askedFamilies.length > 1)
    return {
      ok: false,
      error: `requested IPs ${asked.join(', ')} are one of each family, but ipFamilyPolicy is SingleStack; set ipFamilyPolicy: RequireDualStack (or PreferDualStack)`,
    };
  const families = vipFamilies(
    {
      ipFamilies: listed ? spec.ipFamilies : askedFamilies.map(familyName),
      ipFamilyPolicy: spec.ipFamilyPolicy,
    },
    // A requested address is taken from any pool, manual ones included.
    askedFamilies.length === 0 ? offered : new Set([...offered, ...askedFamilies]),
  );
  if (!families.ok) return families;
  for (const f of askedFamilies)
    if (!families.families.includes(f))
      return {
        ok: false,
        error: `requested ${familyName(f)} address ${requested[f]}, but the Service gets ${families.families.map(familyName).join(' and ')} VIPs only (spec.ipFamilies / spec.ipFamilyPolicy)`,
      };
  const first = listed
    ? spec.ipFamilies![0]
    : askedFamilies.length > 0
      ? familyName(askedFamilies[0]!)
      : 'IPv4';
  const primary: Family = first === 'IPv6' ? 6 : 4;
  return { ok: true, families: families.families, primary, requested, current: currentByFamily(s) };
}

/**
 * The route name of a Service's VIP of `family`: the plain `<lb>-<namespace>-<name>` for its
 * primary family (so single-stack Services keep their names), `-ipv4` / `-ipv6` appended for the
 * other. The primary family is immutable on a Service, so the names are stable.
 */
export function familyRouteName(base: string, family: Family, primary: Family): string {
  return family === primary ? base : secondRouteName(base, family);
}

/** `<base>-ipv4` / `<base>-ipv6`: the route of a dual-stack Service's VIP of its second family. */
export function secondRouteName(base: string, family: Family): string {
  return `${base}-${familyName(family).toLowerCase()}`;
}

/**
 * The allocation key of one family's VIP of the Service `key`: the Service key for its primary
 * family, `<key> (IPv6)` / `<key> (IPv4)` for the other (allocKeyParts reads it back).
 */
export function allocKeyOf(key: string, family: Family, primary: Family): string {
  return family === primary ? key : `${key} (${familyName(family)})`;
}

/** The Service key of an allocation key, and the family when it is a second family's key. */
export function allocKeyParts(allocKey: string): { key: string; second?: Family } {
  const m = / \(IPv([46])\)$/.exec(allocKey);
  return m === null ? { key: allocKey } : { key: allocKey.slice(0, m.index), second: m[1] === '6' ? 6 : 4 };
}

/** One family's VIP of a Service: the candidate with that family's route name, status and request. */
export interface VipPart extends ServiceCandidate {
  /** The allocation key: the Service key for its primary family, `<key> (IPv6)` for the other. */
  allocKey?: string;
  family?: Family;
}

/**
 * Last parts by the serviceFamilies answer they were built from (one answer object per Service
 * object and pool families, see serviceFamiliesCached), with the candidate fields they copy.
 */
const partsCache = new WeakMap<ServiceFamilies, { c: ServiceCandidate; parts: readonly VipPart[] }>();

/**
 * A Service's VIP parts, one per family in its ipFamilies order. The full fold and the incremental
 * path build them here, so both decide each family's VIP from the same candidate. The same parts
 * are answered again while the Service object and its candidate's fields are the same: a full
 * reconcile otherwise builds two candidate copies and three name strings per dual-stack Service,
 * equal to the last pass's (and new strings are hashed again by every Map they key). Shared:
 * never change a part.
 */
export function familyParts(c: ServiceCandidate, f: ServiceFamilies & { ok: true }): readonly VipPart[] {
  const hit = partsCache.get(f);
  if (hit !== undefined && sameCandidate(hit.c, c)) return hit.parts;
  const parts = f.families.map(
    (family): VipPart => ({
      ...c,
      route: familyRouteName(c.route, family, f.primary),
      current: f.current[family],
      requested: f.requested[family],
      allocKey: allocKeyOf(c.key, family, f.primary),
      family,
    }),
  );
  partsCache.set(f, { c, parts });
  return parts;
}

/**
 * Whether two candidates give the same parts. `current` and `requested` are not compared: a part
 * takes its family's from the serviceFamilies answer, which is keyed by the Service object.
 */
function sameCandidate(a: ServiceCandidate, b: ServiceCandidate): boolean {
  return (
    a.s === b.s &&
    a.key === b.key &&
    a.namespace === b.namespace &&
    a.route === b.route &&
    a.local === b.local
  );
}

/**
 * True for a Service that is plainly single-stack IPv4 (the common case, decided without
 * serviceFamilies, without a copy of the candidate per family).
 */
export function plainIPv4(c: {
  s: ServiceObject;
  requested: string | undefined;
  current: string | undefined;
}): boolean {
  const spec = c.s.spec;
  const policy = spec?.ipFamilyPolicy;
  const families = spec?.ipFamilies;
  if (policy !== undefined && policy !== 'SingleStack') return false;
  if (families !== undefined && families.length > 0 && (families.length > 1 || families[0] !== 'IPv4'))
    return false;
  if (c.requested !== undefined && (c.requested.includes(':') || c.requested.includes(','))) return false;
  const ingress = c.s.status?.loadBalancer?.ingress;
  if (ingress !== undefined && ingress.length > 1) return false;
  return c.current === undefined || !c.current.includes(':');
}
