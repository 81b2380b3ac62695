import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

/**
 * Built-in kinds are typed in kube-apiserver: a `metav1.Time` field is re-serialised as RFC 3339 with
 * seconds (`2026-01-02T03:04:05Z`, fractions dropped) and a `metav1.MicroTime` field with six
 * decimals (`2026-01-02T03:04:05.123000Z`). Doing the same here keeps clients honest about precision.
 */
export type TimeKind = 'Time' | 'MicroTime';

function format(value: unknown, kind: TimeKind, field: string): unknown {
  if (value === null || value === undefined) return value;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw badRequest(`${field}: parsing time ${JSON.stringify(value)}: not an RFC 3339 timestamp`);
  const iso = new Date(ms).toISOString();
  if (kind === 'Time') return `${iso.slice(0, 19)}Z`;
  // Keep microseconds when the client sent them (Date keeps only milliseconds).
  const micro = typeof value === 'string' ? /\.(\d{4,6})/.exec(value)?.[1] : undefined;
  return `${iso.slice(0, 19)}.${(micro ?? iso.slice(20, 23)).padEnd(6, '0')}Z`;
}

/** Normalises the timestamp at `path` (dots; `[]` maps over a list) in place. */
export function normalizeTime(obj: KubeObject, path: string, kind: TimeKind): void {
  const parts = path.split('.');
  const walk = (node: unknown, i: number, at: string): void => {
    if (node === null || typeof node !== 'object') return;
    const part = parts[i]!;
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    const rec = node as Record<string, unknown>;
    const child = rec[key];
    const here = at === '' ? key : `${at}.${key}`;
    if (list) {
      if (Array.isArray(child)) {
        child.forEach((c, j) => {
          walk(c, i + 1, `${here}[${j}]`);
        });
      }
      return;
    }
    if (i === parts.length - 1) {
      if (child !== undefined) rec[key] = format(child, kind, here);
      return;
    }
    walk(child, i + 1, here);
  };
  walk(obj, 0, '');
}

export function normalizeTimes(obj: KubeObject, fields: Array<[string, TimeKind]>): void {
  for (const [path, kind] of fields) normalizeTime(obj, path, kind);
}
