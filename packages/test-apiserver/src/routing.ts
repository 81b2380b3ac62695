import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import { ApiError, pathNotFound } from './status.js';

/** A request for a resource, decoded from its URL path. */
export interface ResourceRoute {
  def: ResourceDef;
  group: string;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** Reached through the legacy `/watch/` path prefix. */
  watchPath: boolean;
}

/**
 * Decodes `/api/v1/...` and `/apis/<group>/<version>/...` resource paths:
 * `[watch/][namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`.
 * Returns undefined for paths that are not resource paths (discovery).
 */
export function routeResource(registry: Registry, segments: string[]): ResourceRoute | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = registry.find(group, version, rest[2]!);
    if (inner?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    } else if (group !== '' || rest.length > 3 || !['status', 'finalize'].includes(rest[2]!)) {
      throw pathNotFound();
    }
  }
  const def = rest[0] === undefined ? undefined : registry.find(group, version, rest[0]);
  if (def === undefined || rest.length > 3) throw pathNotFound();
  if (namespace !== undefined && !def.namespaced) throw pathNotFound();
  const name = rest[1];
  const subresource = rest[2];
  if (name === '') throw pathNotFound();
  if (subresource !== undefined) {
    const ok =
      (subresource === 'status' && def.statusSubresource) ||
      (subresource === 'finalize' && def.plural === 'namespaces');
    if (!ok) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  return { def, group, version, namespace, name, subresource, watchPath };
}
