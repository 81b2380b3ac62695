import { z } from 'zod';

/** A 4-octet ASN usable for eBGP: not 0, AS_TRANS (23456), 65535 or 4294967295. */
export const asnSchema = z
  .number()
  .int()
  .min(1)
  .max(4294967294)
  .refine((n) => n !== 23456 && n !== 65535, { message: 'ASN 23456 (AS_TRANS) and 65535 are reserved' });
