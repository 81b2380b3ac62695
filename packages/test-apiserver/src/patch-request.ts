import type { IncomingMessage } from 'node:http';
import { deepEqual } from './deep.js';
import { mediaType, parseBody, readBody } from './http-util.js';
import { jsonPatch, mergePatch, PATCH_TYPES, strategicMergePatch } from './patch.js';
import { groupVersion } from './resources.js';
import type { ResourceRoute } from './routing.js';
import { ApiError, badRequest, conflict, notFound, unsupportedMediaType } from './status.js';
import type { FieldValidation, Store, UpdateOptions } from './store.js';
import type { KubeObject } from './types.js';

/** A body's apiVersion and kind, when given, must be those of the URL (400 otherwise). */
export function checkKind(route: ResourceRoute, body: KubeObject | undefined): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('the request body must be a JSON object');
  const expected = groupVersion(route.def.group, route.version);
  if (body.apiVersion !== undefined && body.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (body.kind !== undefined && body.kind !== route.def.kind) {
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${route.def.kind})`,
    );
  }
}

/**
 * PATCH of one object (main resource or status): merge, JSON, strategic merge (built-in kinds
 * only) and an approximation of server-side apply. A resourceVersion produced by the patch is a
 * precondition; a patch that changes nothing is not a write.
 */
export async function patchObject(
  store: Store,
  req: IncomingMessage,
  route: ResourceRoute,
  q: URLSearchParams,
  writeOpts: { dryRun: boolean; warnings: string[]; fieldValidation?: FieldValidation },
): Promise<{ code: number; obj: KubeObject }> {
  const { def, version, namespace, name, subresource } = route;
  const type = mediaType(req.headers['content-type']);
  const accepted = [
    PATCH_TYPES.json,
    PATCH_TYPES.merge,
    PATCH_TYPES.apply,
    ...(def.custom ? [] : [PATCH_TYPES.strategic]),
  ];
  if (!accepted.includes(type as (typeof accepted)[number])) throw unsupportedMediaType(type, accepted);
  const body = parseBody(await readBody(req), type);
  const opts: UpdateOptions = {
    ...writeOpts,
    subresource: subresource === 'status' ? 'status' : undefined,
  };
  const current = store.tryGet(def, version, namespace, name!);
  if (type === PATCH_TYPES.apply) {
    // Server-side apply, approximated: create if absent, else a merge patch that also removes
    // what this field manager applied last time and no longer applies. No ownership, no conflicts.
    const fieldManager = q.get('fieldManager');
    if (fieldManager === null || fieldManager === '') {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    const applied = body as KubeObject;
    checkKind(route, applied);
    if (applied.apiVersion === undefined || applied.kind === undefined) {
      throw badRequest('apiVersion and kind must be set in an apply patch');
    }
    const configKey = (uid: string | undefined) =>
      `${def.group}/${def.plural}|${namespace ?? ''}/${name}|${uid}|${fieldManager}|${subresource ?? ''}`;
    let result: KubeObject;
    let code = 200;
    if (current === undefined) {
      if (subresource !== undefined) throw notFound(def, name!);
      result = store.update(def, version, namespace, name!, applied, { ...opts, createIfMissing: true });
      code = 201;
    } else {
      const previous = store.appliedConfigs.get(configKey(current.metadata.uid));
      const patch = previous === undefined ? applied : withRemovals(previous, applied);
      const merged = mergePatch(current, patch) as KubeObject;
      result = store.update(def, version, namespace, name!, merged, {
        ...opts,
        expectedResourceVersion: applied.metadata?.resourceVersion,
      });
    }
    if (writeOpts.dryRun !== true) store.appliedConfigs.set(configKey(result.metadata.uid), applied);
    return { code, obj: result };
  }
  if (current === undefined) return { code: 200, obj: store.get(def, version, namespace, name!) };
  let patched: KubeObject;
  if (type === PATCH_TYPES.json) patched = jsonPatch(current, body);
  else if (type === PATCH_TYPES.strategic) patched = strategicMergePatch(current, body) as KubeObject;
  else patched = mergePatch(current, body) as KubeObject;
  if (patched === null || typeof patched !== 'object' || Array.isArray(patched))
    throw badRequest('the patch did not produce an object');
  patched.metadata ??= {};
  if (patched.metadata.uid !== undefined && patched.metadata.uid !== current.metadata.uid) {
    throw conflict(
      def,
      name!,
      `Precondition failed: UID in precondition: ${patched.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
    );
  }
  if (deepEqual(patched, current)) return { code: 200, obj: current };
  return {
    code: 200,
    obj: store.update(def, version, namespace, name!, patched, {
      ...opts,
      expectedResourceVersion: patched.metadata.resourceVersion,
    }),
  };
}

/**
 * The applied configuration as a merge patch that also deletes (null) every field the previous
 * configuration of the same manager set and this one leaves out.
 */
export function withRemovals(previous: unknown, next: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(previous) || !isObj(next)) return next;
  const out: Record<string, unknown> = { ...next };
  for (const [k, v] of Object.entries(previous)) {
    if (!(k in next)) out[k] = null;
    else if (isObj(v) && isObj(next[k])) out[k] = withRemovals(v, next[k]);
  }
  return out;
}
