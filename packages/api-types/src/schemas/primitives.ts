import * as z from 'zod';
import { IP_PREFIX_PATTERN, POOL_ENTRY_PATTERN, parsePoolEntry } from '../address.js';
import { ipAddressProblem } from './session-primitives.js';

/*
 * The shared fields of the Kubernetes objects (metadata, status, prefixes, pools), in zod's classic
 * API. The BGP session's fields (ASN, address, timers, BFD) are in session-primitives.ts, written
 * with the mini API so that the advertiser config does not load the classic one; re-exported here.
 */
export * from './session-primitives.js';

/**
 * An IPv4 or IPv6 prefix `address/length` such as `10.0.0.8/32` or `2001:db8::8/128`: the address
 * as {@link IPAddress} requires it, no host bits set.
 */
export const IPPrefix = z
  .string()
  .superRefine((text, ctx) => {
    const slash = text.indexOf('/');
    let message: string | undefined;
    if (slash <= 0 || text.includes('-'))
      message = `"${text}" is not a prefix such as 10.0.0.8/32 or 2001:db8::8/128`;
    else {
      message = ipAddressProblem(text.slice(0, slash));
      if (message === undefined) {
        const result = parsePoolEntry(text);
        if (!result.ok) message = result.error;
      }
    }
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: text });
  })
  .meta({ pattern: IP_PREFIX_PATTERN });

/**
 * One address-pool entry: an inclusive range `10.0.0.1-10.0.0.4` or a CIDR `10.0.0.0/30`, IPv4 or
 * IPv6 (`2001:db8::1-2001:db8::4`, `2001:db8::/120`), read by the allocator's own grammar ({@link parsePoolEntry}), so what validates is what allocates.
 */
export const PoolEntry = z
  .string()
  .superRefine((text, ctx) => {
    const result = parsePoolEntry(text);
    if (!result.ok) ctx.addIssue({ code: 'custom', message: result.error, input: text });
  })
  .meta({ pattern: POOL_ENTRY_PATTERN });

/** RFC 3339 timestamp as Kubernetes writes it (`2025-01-02T03:04:05Z`). */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * Kubernetes object metadata. Only `name` is required; every other field (uid, resourceVersion,
 * managedFields, ...) is kept as is.
 */
export const ObjectMeta = z.looseObject({
  name: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
      message: 'must be a lowercase RFC 1123 name (a-z, 0-9, "-" and ".")',
    }),
  namespace: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** A standard Kubernetes condition (metav1.Condition), e.g. `Accepted` on a refused object. */
export const Condition = z.looseObject({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: Timestamp.optional(),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof Condition>;

/** `status` of a configuration object: conditions written by the controller (e.g. `Accepted`). */
export const ConfigStatus = z.looseObject({
  conditions: z.array(Condition).optional(),
  observedGeneration: z.number().int().min(0).optional(),
  syncedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'Admin mode: the generation of this object that its user cluster holds (see the Synced condition).',
    ),
});
export type ConfigStatus = z.infer<typeof ConfigStatus>;

/**
 * A list of distinct scalars. The CRD marks it `x-kubernetes-list-type: set`, so the API server
 * refuses duplicates (our validation names the duplicate and where it first appears).
 */
export function setOf<T extends z.core.$ZodType>(item: T) {
  return z.array(item).meta({ 'x-kubernetes-list-type': 'set' });
}
