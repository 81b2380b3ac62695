import { badRequest } from './status.js';
import type { FieldValidation, PropagationPolicy } from './store.js';

/** Query parameters as kube-apiserver reads them. */

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: Invalid value: "${v}": must be an integer`);
  return Number(v);
}

export function fieldValidationParam(q: URLSearchParams): FieldValidation | undefined {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') {
    throw badRequest(
      `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  return v;
}

export function dryRunParam(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  if (v.length === 0) return false;
  if (v.every((x) => x === 'All')) return true;
  throw badRequest(`dryRun: Unsupported value: "${v.join(',')}": supported values: "All"`);
}

/** DeleteOptions.propagationPolicy (body or query), or the legacy orphanDependents. */
export function propagationParam(
  q: URLSearchParams,
  body: Record<string, unknown> | undefined,
): PropagationPolicy | undefined {
  const v = (body?.propagationPolicy as string | undefined) ?? q.get('propagationPolicy') ?? undefined;
  if (v === undefined || v === '') {
    const orphan = body?.orphanDependents ?? q.get('orphanDependents');
    return orphan === true || orphan === 'true' ? 'Orphan' : undefined;
  }
  if (v !== 'Orphan' && v !== 'Background' && v !== 'Foreground') {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${v}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  return v;
}

/** resourceVersionMatch: `Exact` or `NotOlderThan`, and only together with a resourceVersion. */
export function resourceVersionMatchParam(q: URLSearchParams): string | undefined {
  const v = q.get('resourceVersionMatch');
  if (v === null || v === '') return undefined;
  if (v !== 'Exact' && v !== 'NotOlderThan') {
    throw badRequest(
      `resourceVersionMatch: Unsupported value: "${v}": supported values: "Exact", "NotOlderThan"`,
    );
  }
  if ((q.get('resourceVersion') ?? '') === '') {
    throw badRequest(
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
  }
  return v;
}
