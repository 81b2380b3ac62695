import { badRequest, invalid } from './status.js';
import type { CustomResourceDefinition, JsonSchema, KubeObject, PrinterColumn } from './types.js';
import { sortKubeVersions } from './versions.js';

/** A column of a server-side Table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** How a built-in kind renders as a Table (the CRD kinds use `additionalPrinterColumns`). */
export interface BuiltinTable {
  columns: TableColumn[];
  cells(obj: KubeObject, now: number): unknown[];
}

/** Everything the server knows about one resource (one group + plural, all served versions). */
export interface ResourceDef {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
  storageVersion: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  statusSubresource: boolean;
  /** Served from a CustomResourceDefinition (pruning, generation, merge-patch only). */
  custom: boolean;
  /** metadata.generation starts at 1 and increases on every change outside metadata and status. */
  trackGeneration: boolean;
  /** PUT to a missing object creates it (true for Events, as in kube-apiserver). */
  allowCreateOnUpdate: boolean;
  /** Whether status given on create is kept (Nodes) or dropped (Services, custom resources). */
  keepStatusOnCreate: boolean;
  /** Names must be DNS-1123 labels (Namespaces, Services) rather than subdomains. */
  dnsLabelNames: boolean;
  printerColumns: Map<string, PrinterColumn[]>;
  schemas: Map<string, JsonSchema>;
  /**
   * Custom resources: the fields a field selector may use per version, besides metadata.name and
   * metadata.namespace (the CRD's `selectableFields`). Built-in kinds accept any dotted path.
   */
  selectableFields: Map<string, string[]>;
  /**
   * Built-in kinds: the field labels kube-apiserver accepts in field selectors besides
   * metadata.name/namespace, each with how it reads the value (e.g. a missing
   * `spec.unschedulable` reads "false"). Undefined: any dotted path (no restriction).
   */
  fieldLabels?: Record<string, (obj: KubeObject) => string>;
  table?: BuiltinTable;
  /** Server-side defaults and allocations applied on create (Service clusterIP, Namespace phase). */
  defaultOnCreate?: (obj: KubeObject) => void;
  /** Typed timestamp fields of a built-in kind, normalised as kube-apiserver re-serialises them. */
  timeFields?: Array<[string, 'Time' | 'MicroTime']>;
  /** Extra validation; throws an ApiError (422) to refuse the object. */
  validate?: (obj: KubeObject) => void;
  /**
   * Set when this resource is a view of another one's storage (events.k8s.io/v1 Events over
   * core/v1 Events): objects are converted to the storage shape on write and back on read.
   */
  storage?: {
    key: string;
    toStorage: (obj: KubeObject) => KubeObject;
    fromStorage: (obj: KubeObject) => KubeObject;
  };
}

export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function resourceKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  statusSubresource?: boolean;
  allowCreateOnUpdate?: boolean;
  keepStatusOnCreate?: boolean;
  dnsLabelNames?: boolean;
}

export function builtinResource(spec: BuiltinSpec): ResourceDef {
  return {
    group: spec.group,
    versions: [spec.version],
    storageVersion: spec.version,
    plural: spec.plural,
    singular: spec.singular,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    namespaced: spec.namespaced,
    statusSubresource: spec.statusSubresource ?? false,
    custom: false,
    trackGeneration: false,
    allowCreateOnUpdate: spec.allowCreateOnUpdate ?? false,
    keepStatusOnCreate: spec.keepStatusOnCreate ?? false,
    dnsLabelNames: spec.dnsLabelNames ?? false,
    printerColumns: new Map(),
    schemas: new Map(),
    selectableFields: new Map(),
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Turns a CustomResourceDefinition into a served resource, refusing (422) what kube-apiserver
 * would refuse: a name other than `<plural>.<group>`, no served or not exactly one storage version.
 */
export function crdToResource(crd: CustomResourceDefinition): ResourceDef {
  const name = crd.metadata?.name ?? '';
  const fail = (field: string, message: string): never => {
    throw invalid('apiextensions.k8s.io', 'CustomResourceDefinition', name, [
      { field, reason: 'FieldValueInvalid', message },
    ]);
  };
  const spec = crd.spec;
  if (spec === null || typeof spec !== 'object') return fail('spec', 'Required value');
  if (typeof spec.group !== 'string' || !DNS_SUBDOMAIN.test(spec.group) || !spec.group.includes('.')) {
    fail('spec.group', `Invalid value: "${String(spec.group)}": should be a domain with at least one dot`);
  }
  const names = spec.names;
  if (
    names === null ||
    typeof names !== 'object' ||
    typeof names.plural !== 'string' ||
    names.plural === ''
  ) {
    return fail('spec.names.plural', 'Required value');
  }
  if (typeof names.kind !== 'string' || names.kind === '') return fail('spec.names.kind', 'Required value');
  if (name !== `${names.plural}.${spec.group}`) {
    fail('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    fail(
      'spec.scope',
      `Unsupported value: "${String(spec.scope)}": supported values: "Cluster", "Namespaced"`,
    );
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0)
    return fail('spec.versions', 'Required value');
  const served = spec.versions.filter((v) => v.served);
  if (served.length === 0) fail('spec.versions', 'Invalid value: must have at least one served version');
  const storage = spec.versions.filter((v) => v.storage);
  if (storage.length !== 1)
    fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  const printerColumns = new Map<string, PrinterColumn[]>();
  const schemas = new Map<string, JsonSchema>();
  const selectableFields = new Map<string, string[]>();
  for (const v of spec.versions) {
    selectableFields.set(
      v.name,
      (v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
    );
    printerColumns.set(v.name, v.additionalPrinterColumns ?? []);
    const schema = v.schema?.openAPIV3Schema;
    if (schema !== undefined) schemas.set(v.name, schema);
  }
  return {
    group: spec.group,
    versions: sortKubeVersions(served.map((v) => v.name)),
    storageVersion: storage[0]!.name,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: spec.scope === 'Namespaced',
    statusSubresource: served.some((v) => v.subresources?.status !== undefined),
    custom: true,
    trackGeneration: true,
    allowCreateOnUpdate: false,
    keepStatusOnCreate: false,
    dnsLabelNames: false,
    printerColumns,
    schemas,
    selectableFields,
  };
}

/**
 * kube-apiserver refuses field selectors on fields a kind does not declare: custom resources
 * accept metadata.name, metadata.namespace and their version's `selectableFields`; built-in
 * kinds their fixed field labels.
 */
export function checkSelectableFields(def: ResourceDef, version: string, paths: string[]): void {
  const allowed = def.custom
    ? (def.selectableFields.get(version) ?? [])
    : def.fieldLabels === undefined
      ? undefined
      : Object.keys(def.fieldLabels);
  if (allowed === undefined) return;
  for (const p of paths) {
    if (p !== 'metadata.name' && p !== 'metadata.namespace' && !allowed.includes(p)) {
      throw badRequest(`field label not supported: ${p}`);
    }
  }
}

/** Validates an object's name the way kube-apiserver's ValidateObjectMeta does. */
export function validateName(def: ResourceDef, name: string): void {
  const label = def.dnsLabelNames;
  const ok = label
    ? /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63
    : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) {
    const what = label
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    throw invalid(def.group, def.kind, name, [
      { field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${what}` },
    ]);
  }
}
