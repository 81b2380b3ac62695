/**
 * Which address families a LoadBalancer Service gets a VIP of, from its `spec.ipFamilies` and
 * `spec.ipFamilyPolicy` (Kubernetes dual-stack, SPEC section 13) and the families the address
 * pools offer. Pure; the answer is the families in the Service's order (its primary first), or the
 * reason it can get none.
 *
 * - SingleStack (the default): the first family of `ipFamilies` (IPv4 when absent).
 * - PreferDualStack: every family of `ipFamilies` (both when it lists one or none) that some
 *   automatic pool offers, the primary first; at least one is needed.
 * - RequireDualStack: both families, and the pools must offer both.
 * Not yet wired into the allocation: IPv6 VIPs are not announced yet (issue 20, step 3).
 */
import type { Family } from '@bgplb/floating-ip-allocator';

export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** The parts of a Service spec that decide its families, as read from the API (unchecked). */
export interface FamilySpec {
  ipFamilies?: readonly unknown[] | undefined;
  ipFamilyPolicy?: unknown;
}

export type FamiliesResult = { ok: true; families: Family[] } | { ok: false; error: string };

const NAMES: Record<string, Family> = { IPv4: 4, IPv6: 6 };

function name(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

/** The VIP families of one Service; `offered` are the families of the automatic pools. */
export function vipFamilies(spec: FamilySpec, offered: ReadonlySet<Family>): FamiliesResult {
  const policy = spec.ipFamilyPolicy ?? 'SingleStack';
  if (policy !== 'SingleStack' && policy !== 'PreferDualStack' && policy !== 'RequireDualStack')
    return {
      ok: false,
      error: `ipFamilyPolicy ${JSON.stringify(policy)} is not SingleStack, PreferDualStack or RequireDualStack`,
    };
  const listed: Family[] = [];
  for (const f of spec.ipFamilies ?? []) {
    const family = typeof f === 'string' ? NAMES[f] : undefined;
    if (family === undefined)
      return { ok: false, error: `ipFamilies entry ${JSON.stringify(f)} is neither IPv4 nor IPv6` };
    if (listed.includes(family)) return { ok: false, error: `ipFamilies lists ${f} twice` };
    listed.push(family);
  }
  if (policy === 'SingleStack') {
    if (listed.length > 1)
      return { ok: false, error: 'ipFamilyPolicy SingleStack allows one entry in ipFamilies' };
    return { ok: true, families: [listed[0] ?? 4] };
  }
  const order: Family[] =
    listed.length === 0 ? [4, 6] : listed.length === 1 ? [listed[0]!, listed[0] === 4 ? 6 : 4] : listed;
  if (policy === 'RequireDualStack') {
    const missing = order.filter((f) => !offered.has(f));
    if (missing.length > 0)
      return {
        ok: false,
        error: `ipFamilyPolicy RequireDualStack needs an address pool of each family; none offers ${missing.map(name).join(' or ')} addresses`,
      };
    return { ok: true, families: order };
  }
  const families = order.filter((f) => offered.has(f));
  if (families.length === 0) return { ok: false, error: 'no address pool offers IPv4 or IPv6 addresses' };
  return { ok: true, families };
}
