import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';
import { groupVersion, type ResourceDef } from './resources.js';

/** The Kubernetes version this server reports: kubectl 1.32 is the reference client. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-bgplb-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const gvs = versions.map((v) => ({ groupVersion: groupVersion(name, v), version: v }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(registry: Registry): Record<string, unknown> {
  const groups = [...registry.groups()]
    .filter(([g]) => g !== '')
    .map(([g, versions]) => groupEntry(g, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(registry: Registry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(group);
  if (versions === undefined || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function storageVersionHash(def: ResourceDef): string {
  return createHash('sha256')
    .update(`${def.group}/${def.storageVersion}/${def.kind}`)
    .digest('base64')
    .slice(0, 11);
}

export function apiResourceList(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const def of defs) {
    const r: Record<string, unknown> = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ALL_VERBS,
      storageVersionHash: storageVersionHash(def),
    };
    if (def.shortNames.length > 0) r.shortNames = def.shortNames;
    if (def.categories.length > 0) r.categories = def.categories;
    resources.push(r);
    if (def.statusSubresource) {
      resources.push({
        name: `${def.plural}/status`,
        singularName: '',
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/**
 * A minimal OpenAPI v3 index and per-group-version documents. They declare, for every kind, the
 * PATCH/POST/PUT operations with the `fieldValidation` query parameter and the
 * `x-kubernetes-group-version-kind` extension: that is what kubectl's field-validation check
 * reads, so `kubectl apply`/`create` work without `--validate=false` and send `fieldValidation=Strict`.
 * No schemas are published (`kubectl explain` does not work).
 */
export function openApiV3Index(registry: Registry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [group, versions] of registry.groups()) {
    for (const v of versions) {
      const key = group === '' ? `api/${v}` : `apis/${group}/${v}`;
      const doc = JSON.stringify(openApiV3Document(registry, group, v));
      const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
  }
  return { paths };
}

export function openApiV3Document(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, unknown> = {};
  // Custom resources publish their CRD schema, so that `kubectl explain` can describe them.
  const schemas: Record<string, unknown> = {};
  for (const def of defs) {
    const schema = def.schemas.get(version);
    if (!def.custom || schema === undefined) continue;
    const reversed = def.group.split('.').reverse().join('.');
    schemas[`${reversed}.${version}.${def.kind}`] = {
      ...schema,
      'x-kubernetes-group-version-kind': [{ group: def.group, version, kind: def.kind }],
    };
  }
  const param = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  for (const def of defs) {
    const gvk = { group: def.group, version, kind: def.kind };
    const op = (action: string) => ({
      operationId: `${action}${def.kind}`,
      parameters: [param('dryRun'), param('fieldManager'), param('fieldValidation')],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const base = def.namespaced
      ? `${prefix}/namespaces/{namespace}/${def.plural}`
      : `${prefix}/${def.plural}`;
    paths[base] = { post: op('post') };
    paths[`${base}/{name}`] = { put: op('put'), patch: op('patch') };
    if (def.statusSubresource) paths[`${base}/{name}/status`] = { put: op('put'), patch: op('patch') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): all groups, versions and resources
 * in one document per root (`/api` or `/apis`), which kubectl 1.26+ asks for first.
 */
export function aggregatedDiscovery(
  registry: Registry,
  core: boolean,
  apiVersion: 'v2' | 'v2beta1',
): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  for (const [group, versions] of registry.groups()) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: group === '' ? {} : { name: group },
      versions: versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: registry.inGroupVersion(group, version).map((def) => {
          const responseKind = { group: def.group, version, kind: def.kind };
          const r: Record<string, unknown> = {
            resource: def.plural,
            responseKind,
            scope: def.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: def.singular,
            verbs: ALL_VERBS,
          };
          if (def.shortNames.length > 0) r.shortNames = def.shortNames;
          if (def.categories.length > 0) r.categories = def.categories;
          if (def.statusSubresource)
            r.subresources = [{ subresource: 'status', responseKind, verbs: ['get', 'patch', 'update'] }];
          return r;
        }),
      })),
    });
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items,
  };
}
