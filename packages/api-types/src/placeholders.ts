import { formatPath, type PathSegment, type Problem, problem } from './problems.js';

/**
 * A placeholder as the documentation writes one: an all-caps identifier such as `PEER_IP`,
 * `CLUSTER_NAMESPACE` or `ASN`. No value of ours is written like that (names are lowercase,
 * addresses and numbers have no letters, enums are lowercase).
 */
const PLACEHOLDER = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** Free-form maps where any string is a legitimate value (labels may well be `PROD`). */
const FREE_FORM = new Set(['metadata.labels', 'metadata.annotations', 'spec.peerSelector', 'status']);

/**
 * Every value of `object` that is a placeholder copied from the documentation, as one problem each
 * (`spec.peerIP: PEER_IP is a placeholder ...`). Reported instead of what the schema would say
 * about the same value ("not a valid IPv4 address", "expected a number", a namespace mismatch).
 */
export function findPlaceholders(object: unknown, ref?: string): Problem[] {
  const out: Problem[] = [];
  const walk = (value: unknown, path: PathSegment[]) => {
    if (FREE_FORM.has(formatPath(path))) return;
    if (typeof value === 'string') {
      if (value.length >= 2 && PLACEHOLDER.test(value)) {
        out.push(
          problem(
            path,
            `${value} is a placeholder from the documentation; replace it with the real value`,
            'error',
            ref,
          ),
        );
      }
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, [...path, i]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(object, []);
  return out;
}

/** True when `path` is `placeholder`'s path or lies under it. */
export function isUnder(path: string, placeholder: string): boolean {
  return path === placeholder || path.startsWith(`${placeholder}.`) || path.startsWith(`${placeholder}[`);
}
