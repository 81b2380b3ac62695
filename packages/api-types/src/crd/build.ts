import * as z from 'zod';
import { type KnownKind, RESOURCES } from '../constants.js';
import { SCHEMAS } from '../parse.js';
import { type JsonSchema, toStructural } from './structural.js';

/** One `additionalPrinterColumns` entry of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 = default view, 1 = only with `-o wide`. */
  priority?: number;
}

/**
 * Columns of `kubectl get`. BGPSession prints exactly
 * `NAME  LOCAL ASN  PEER ASN  LOCAL IP  PEER IP  STATE  LAST REPORT` (LAST REPORT is a date, shown
 * as an age); BGPAdvertisedRoute prints `NAME  PREFIX  METRIC`. Priority-1 columns only appear with
 * `-o wide`.
 */
export const PRINTER_COLUMNS: Partial<Record<KnownKind, PrinterColumn[]>> = {
  BGPSession: [
    { name: 'Local ASN', type: 'integer', jsonPath: '.spec.localASN' },
    { name: 'Peer ASN', type: 'integer', jsonPath: '.spec.peerASN' },
    { name: 'Local IP', type: 'string', jsonPath: '.spec.localIP' },
    { name: 'Peer IP', type: 'string', jsonPath: '.spec.peerIP' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    {
      name: 'Last Report',
      type: 'date',
      jsonPath: '.status.lastReportTime',
      description: 'Time since the node last reported this session',
    },
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', priority: 1 },
    { name: 'Floating IP', type: 'string', jsonPath: '.spec.floatingIP', priority: 1 },
    // Extensions (SPEC §13): uptime is the age of establishedSince.
    { name: 'Uptime', type: 'date', jsonPath: '.status.establishedSince', priority: 1 },
    { name: 'Flaps', type: 'integer', jsonPath: '.status.flapCount', priority: 1 },
    { name: 'Sent', type: 'integer', jsonPath: '.status.advertisedPrefixes', priority: 1 },
    { name: 'Received', type: 'integer', jsonPath: '.status.receivedPrefixes', priority: 1 },
    { name: 'Last Error', type: 'string', jsonPath: '.status.lastError.message', priority: 1 },
    // Empty for sessions without BFD.
    { name: 'BFD', type: 'string', jsonPath: '.status.bfdState', priority: 1 },
  ],
  BGPAdvertisedRoute: [
    { name: 'Prefix', type: 'string', jsonPath: '.spec.prefix' },
    { name: 'Metric', type: 'integer', jsonPath: '.spec.metric' },
    { name: 'Next Hops', type: 'string', jsonPath: '.spec.nextHops', priority: 1 },
    { name: 'Service', type: 'string', jsonPath: '.spec.service.name', priority: 1 },
  ],
  BGPPeer: [
    { name: 'Peer IP', type: 'string', jsonPath: '.spec.peerIP' },
    { name: 'Peer ASN', type: 'integer', jsonPath: '.spec.peerASN' },
    { name: 'Local ASN', type: 'integer', jsonPath: '.spec.localASN' },
    { name: 'Sessions', type: 'integer', jsonPath: '.spec.sessions' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  NetworkGatewayGroup: [
    { name: 'Floating IPs', type: 'string', jsonPath: '.spec.floatingIPs' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

/**
 * Fields usable in `fieldSelector` (CRD `selectableFields`, Kubernetes >= 1.31): the node agent
 * watches only its own sessions with `fieldSelector=spec.nodeName=<node>`.
 */
export const SELECTABLE_FIELDS: Partial<Record<KnownKind, string[]>> = {
  BGPSession: ['.spec.nodeName'],
};

/** The structural OpenAPI v3 schema of one kind, as placed in its CRD. */
export function openApiSchema(kind: KnownKind): JsonSchema {
  const json = z.toJSONSchema(SCHEMAS[kind], {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
  });
  const structural = toStructural(json as JsonSchema);
  const properties = { ...(structural.properties as Record<string, JsonSchema>) };
  // The API server owns apiVersion, kind and metadata; only their type may be declared.
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { type: 'object' };
  const root: JsonSchema = {
    type: 'object',
    description:
      kind === 'Cluster'
        ? 'The part of the baremetal.cluster.gke.io Cluster that bgplb reads, for clusters (tests, labs) that do not already define Cluster: do not install it over an existing Cluster CRD.'
        : `${kind} (${RESOURCES[kind].apiVersion}), generated from the zod schema of @bgplb/api-types.`,
    required: ['spec'],
    properties,
  };
  return root;
}

/** The CustomResourceDefinition of one kind. */
export function buildCrd(kind: KnownKind): JsonSchema {
  const info = RESOURCES[kind];
  const names: JsonSchema = {
    kind: info.kind,
    listKind: info.listKind,
    plural: info.plural,
    singular: info.singular,
  };
  if (info.shortNames.length > 0) names.shortNames = [...info.shortNames];
  // `kubectl get bgp` lists every bgplb object of a namespace.
  names.categories = kind === 'Cluster' ? ['baremetal'] : ['bgp'];
  const version: JsonSchema = {
    name: info.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: openApiSchema(kind) },
    subresources: { status: {} },
  };
  const columns = PRINTER_COLUMNS[kind];
  if (columns !== undefined) version.additionalPrinterColumns = columns;
  const selectable = SELECTABLE_FIELDS[kind];
  if (selectable !== undefined) version.selectableFields = selectable.map((jsonPath) => ({ jsonPath }));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${info.plural}.${info.group}`,
      labels: { 'app.kubernetes.io/part-of': 'bgplb' },
    },
    spec: {
      group: info.group,
      names,
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [version],
    },
  };
}

/** File name of a kind's CRD inside the crds directory, e.g. `networking.gke.io_bgpsessions.yaml`. */
export function crdFileName(kind: KnownKind): string {
  const info = RESOURCES[kind];
  return `${info.group}_${info.plural}.yaml`;
}
