import { ageOf, rfc3339 } from './duration.js';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from './events-conversion.js';
import { fieldValue } from './fields.js';
import { builtinResource, crdToResource, type ResourceDef, type TableColumn } from './resources.js';
import { validateService } from './service-validation.js';
import { invalid } from './status.js';
import type { CustomResourceDefinition, KubeObject } from './types.js';

const NAME: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority: 0,
};

function col(name: string, type = 'string', priority = 0, description = ''): TableColumn {
  return { name, type, format: '', description, priority };
}

const AGE = col(
  'Age',
  'string',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

type Obj = Record<string, unknown>;

/** Field-label readers: a plain path, or a boolean that reads "false" when absent. */
const path = (p: string) => (obj: KubeObject) => fieldValue(obj, p);
const flag = (p: string) => (obj: KubeObject) => String(fieldValue(obj, p) === 'true');
const labels = (...paths: string[]) => Object.fromEntries(paths.map((p) => [p, path(p)]));
const INVOLVED = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
const o = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** NAME, AGE: the default for kinds without a dedicated printer. */
export const DEFAULT_TABLE = {
  columns: [NAME, AGE],
  cells: (obj: KubeObject, now: number): unknown[] => [
    obj.metadata.name,
    ageOf(obj.metadata.creationTimestamp, now),
  ],
};

function nodeStatus(node: KubeObject): string {
  const conditions = a(o(node.status).conditions).map(o);
  const ready = conditions.find((c) => c.type === 'Ready');
  const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (o(node.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function servicePorts(svc: KubeObject): string {
  const ports = a(o(svc.spec).ports).map(o);
  if (ports.length === 0) return '<none>';
  return ports
    .map(
      (p) =>
        `${String(p.port)}${p.nodePort !== undefined ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`,
    )
    .join(',');
}

function serviceExternalIp(svc: KubeObject): string {
  const spec = o(svc.spec);
  const ingress = a(o(o(svc.status).loadBalancer).ingress).map(o);
  const external = a(spec.externalIPs).map(String);
  if (spec.type === 'LoadBalancer') {
    const ips = [...ingress.map((i) => String(i.ip ?? i.hostname ?? '')), ...external].filter(
      (s) => s !== '',
    );
    return ips.length > 0 ? ips.join(',') : '<pending>';
  }
  if (spec.type === 'ExternalName') return String(spec.externalName ?? '<none>');
  return external.length > 0 ? external.join(',') : '<none>';
}

function eventObject(ev: KubeObject): string {
  const io = o(ev.involvedObject ?? ev.regarding);
  return `${String(io.kind ?? '').toLowerCase()}/${String(io.name ?? '')}`;
}

/** Allocates ClusterIPs from 10.96.0.0/12 and node ports from 30000-32767, never reusing one. */
class ServiceAllocator {
  private nextIp = 10;
  private nextPort = 30000;
  clusterIp(): string {
    const n = this.nextIp++;
    return `10.96.${Math.floor(n / 256) % 256}.${n % 256}`;
  }
  nodePort(): number {
    const p = this.nextPort++;
    if (this.nextPort > 32767) this.nextPort = 30000;
    return p;
  }
}

function defaultService(alloc: ServiceAllocator, svc: KubeObject): void {
  const spec = o(svc.spec);
  svc.spec = spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = alloc.clusterIp();
    if (spec.clusterIP !== 'None') spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const external = spec.type === 'LoadBalancer' || spec.type === 'NodePort';
  if (external) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  const wantNodePorts =
    spec.type === 'NodePort' ||
    (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  for (const p of a(spec.ports).map(o)) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (wantNodePorts && p.nodePort === undefined) p.nodePort = alloc.nodePort();
  }
  if (
    spec.type === 'LoadBalancer' &&
    spec.externalTrafficPolicy === 'Local' &&
    spec.healthCheckNodePort === undefined
  ) {
    spec.healthCheckNodePort = alloc.nodePort();
  }
  svc.status = { loadBalancer: {} };
}

/** The built-in kinds this server serves, each a fresh definition (the allocator is per server). */
export function builtinResources(): ResourceDef[] {
  const alloc = new ServiceAllocator();

  const namespaces = builtinResource({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    dnsLabelNames: true,
  });
  namespaces.defaultOnCreate = (ns) => {
    ns.metadata.labels = {
      ...(ns.metadata.labels ?? {}),
      'kubernetes.io/metadata.name': ns.metadata.name ?? '',
    };
    ns.spec = { finalizers: ['kubernetes'], ...o(ns.spec) };
    ns.status = { phase: 'Active' };
  };
  namespaces.fieldLabels = labels('status.phase');
  namespaces.table = {
    columns: [NAME, col('Status', 'string', 0, 'The status of the namespace'), AGE],
    cells: (ns, now) => [
      ns.metadata.name,
      String(o(ns.status).phase ?? 'Active'),
      ageOf(ns.metadata.creationTimestamp, now),
    ],
  };

  const nodes = builtinResource({
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    statusSubresource: true,
    keepStatusOnCreate: true,
  });
  nodes.fieldLabels = { 'spec.unschedulable': flag('spec.unschedulable') };
  nodes.timeFields = [
    ['status.conditions[].lastHeartbeatTime', 'Time'],
    ['status.conditions[].lastTransitionTime', 'Time'],
    ['spec.taints[].timeAdded', 'Time'],
  ];
  nodes.table = {
    columns: [
      NAME,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
      col(
        'Internal-IP',
        'string',
        1,
        'List of addresses reachable to the node. Queried from cloud provider, if available.',
      ),
    ],
    cells: (node, now) => {
      const addrs = a(o(node.status).addresses).map(o);
      const internal = addrs.find((x) => x.type === 'InternalIP');
      return [
        node.metadata.name,
        nodeStatus(node),
        nodeRoles(node),
        ageOf(node.metadata.creationTimestamp, now),
        String(o(o(node.status).nodeInfo).kubeletVersion ?? ''),
        internal === undefined ? '<none>' : String(internal.address),
      ];
    },
  };

  const services = builtinResource({
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    dnsLabelNames: true,
  });
  services.defaultOnCreate = (svc) => defaultService(alloc, svc);
  services.validate = validateService;
  services.fieldLabels = labels('spec.clusterIP', 'spec.type');
  services.timeFields = [['status.conditions[].lastTransitionTime', 'Time']];
  services.table = {
    columns: [
      NAME,
      col('Type', 'string', 0, 'The type of service.'),
      col('Cluster-IP', 'string', 0, 'The internal IP of the service.'),
      col('External-IP', 'string', 0, 'The external IP of the service.'),
      col('Port(s)', 'string', 0, 'The ports that the service exposes.'),
      AGE,
      col('Selector', 'string', 1, 'The label selector of the service.'),
    ],
    cells: (svc, now) => {
      const spec = o(svc.spec);
      const selector = Object.entries(o(spec.selector)).map(([k, v]) => `${k}=${String(v)}`);
      return [
        svc.metadata.name,
        String(spec.type ?? 'ClusterIP'),
        spec.clusterIP === undefined || spec.clusterIP === '' ? '<none>' : String(spec.clusterIP),
        serviceExternalIp(svc),
        servicePorts(svc),
        ageOf(svc.metadata.creationTimestamp, now),
        selector.length === 0 ? '<none>' : selector.join(','),
      ];
    },
  };

  const eventsTable = {
    columns: [
      col('Last Seen', 'string', 0, 'Time when this Event was last observed.'),
      col('Type', 'string', 0, 'Type of this event (Normal, Warning).'),
      col('Reason', 'string', 0, 'Why the action was taken.'),
      col('Object', 'string', 0, 'The object that this event is about.'),
      col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
      // Wide (-o wide) only, as in kube-apiserver's event printer.
      { ...NAME, priority: 1 },
    ],
    cells: (ev: KubeObject, now: number) => {
      const last =
        ev.lastTimestamp ?? ev.deprecatedLastTimestamp ?? ev.eventTime ?? ev.metadata.creationTimestamp;
      return [
        ageOf(last, now),
        ev.type ?? '',
        ev.reason ?? '',
        eventObject(ev),
        ev.message ?? ev.note ?? '',
        ev.metadata.name,
      ];
    },
  };
  const events = builtinResource({
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    allowCreateOnUpdate: true,
  });
  events.table = eventsTable;
  events.fieldLabels = {
    ...labels(...INVOLVED.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'type'),
    source: path('source.component'),
  };
  events.timeFields = [
    ['firstTimestamp', 'Time'],
    ['lastTimestamp', 'Time'],
    ['eventTime', 'MicroTime'],
    ['series.lastObservedTime', 'MicroTime'],
  ];
  const eventsV1 = builtinResource({
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    allowCreateOnUpdate: true,
  });
  eventsV1.table = eventsTable;
  eventsV1.timeFields = events.timeFields;
  eventsV1.fieldLabels = labels(
    ...INVOLVED.map((f) => `regarding.${f}`),
    'reason',
    'reportingController',
    'type',
  );
  eventsV1.storage = { key: '/events', toStorage: eventsV1ToCoreEvent, fromStorage: coreEventToEventsV1 };

  const leases = builtinResource({
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  });
  leases.fieldLabels = {};
  leases.timeFields = [
    ['spec.acquireTime', 'MicroTime'],
    ['spec.renewTime', 'MicroTime'],
  ];
  leases.table = {
    columns: [NAME, col('Holder', 'string', 0, 'The holder of the lease.'), AGE],
    cells: (l, now) => [
      l.metadata.name,
      String(o(l.spec).holderIdentity ?? ''),
      ageOf(l.metadata.creationTimestamp, now),
    ],
  };

  const crds = builtinResource({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    statusSubresource: true,
  });
  crds.trackGeneration = true;
  crds.fieldLabels = {};
  crds.validate = (crd) => {
    crdToResource(crd as CustomResourceDefinition);
  };
  crds.defaultOnCreate = (crd) => {
    crd.status = crdStatus(crd as CustomResourceDefinition);
  };
  crds.table = {
    columns: [NAME, col('Created At', 'date', 0, 'CreationTimestamp of the object.')],
    cells: (crd) => [crd.metadata.name, crd.metadata.creationTimestamp],
  };

  // Pods are stored only (nothing schedules or runs them): kubectl describe node lists them.
  const pods = builtinResource({
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    statusSubresource: true,
  });
  pods.defaultOnCreate = (pod) => {
    pod.status = { phase: 'Pending' };
  };
  pods.fieldLabels = {
    ...labels(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ),
    'spec.hostNetwork': flag('spec.hostNetwork'),
  };
  pods.table = {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted.'),
      AGE,
      col('IP', 'string', 1, 'The IP address assigned to the pod.'),
      col('Node', 'string', 1, 'The name of the node this pod runs on.'),
    ],
    cells: (pod, now) => {
      const statuses = a(o(pod.status).containerStatuses).map(o);
      const containers = a(o(pod.spec).containers).length;
      const ready = statuses.filter((c) => c.ready === true).length;
      const restarts = statuses.reduce(
        (n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0),
        0,
      );
      return [
        pod.metadata.name,
        `${ready}/${containers}`,
        String(o(pod.status).phase ?? 'Pending'),
        String(restarts),
        ageOf(pod.metadata.creationTimestamp, now),
        String(o(pod.status).podIP ?? '<none>'),
        String(o(pod.spec).nodeName ?? '<none>'),
      ];
    },
  };

  // EndpointSlices are stored only (no endpoints controller): tests write them as kube-controller-
  // manager would, one slice per Service with kubernetes.io/service-name and per-endpoint nodeName.
  const endpointSlices = builtinResource({
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
  });
  endpointSlices.fieldLabels = {};
  endpointSlices.table = {
    columns: [
      NAME,
      col('AddressType', 'string', 0, 'The type of address carried by this EndpointSlice.'),
      col('Endpoints', 'string', 0, 'Addresses of the endpoints.'),
      AGE,
    ],
    cells: (slice, now) => [
      slice.metadata.name,
      String((slice as unknown as Obj).addressType ?? ''),
      a((slice as unknown as Obj).endpoints)
        .flatMap((e) => a(o(e).addresses).map(String))
        .join(',') || '<unset>',
      ageOf(slice.metadata.creationTimestamp, now),
    ],
  };

  // RBAC objects and ServiceAccounts: stored, and evaluated when the server runs with `rbac: true`.
  const rbac = (plural: string, singular: string, kind: string, namespaced: boolean) => {
    const def = builtinResource({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      plural,
      singular,
      kind,
      namespaced,
    });
    def.fieldLabels = {};
    return def;
  };
  const serviceAccounts = builtinResource({
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  });
  serviceAccounts.fieldLabels = {};

  // Secrets: stored (admin mode reads user-cluster kubeconfigs from them); `data` must be base64.
  const secrets = builtinResource({
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
  });
  secrets.fieldLabels = labels('type');
  secrets.validate = (secret) => {
    for (const [k, v] of Object.entries(o(secret.data)))
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
        throw invalid('', 'Secret', secret.metadata.name ?? '', [
          { field: `data[${k}]`, reason: 'FieldValueInvalid', message: 'Invalid value: illegal base64 data' },
        ]);
  };
  secrets.defaultOnCreate = (secret) => {
    secret.type ??= 'Opaque';
  };
  secrets.table = {
    columns: [
      NAME,
      col('Type', 'string', 0, 'The type of the secret.'),
      col('Data', 'string', 0, 'The number of keys.'),
      AGE,
    ],
    cells: (secret, now) => [
      secret.metadata.name,
      String(secret.type ?? 'Opaque'),
      String(Object.keys(o(secret.data)).length),
      ageOf(secret.metadata.creationTimestamp, now),
    ],
  };

  return [
    namespaces,
    nodes,
    services,
    pods,
    endpointSlices,
    events,
    eventsV1,
    leases,
    crds,
    serviceAccounts,
    secrets,
    rbac('roles', 'role', 'Role', true),
    rbac('clusterroles', 'clusterrole', 'ClusterRole', false),
    rbac('rolebindings', 'rolebinding', 'RoleBinding', true),
    rbac('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false),
  ];
}

/** The status kube-apiserver reports once a CRD is served: accepted names, Established. */
export function crdStatus(crd: CustomResourceDefinition): Record<string, unknown> {
  const now = rfc3339();
  const spec = crd.spec;
  return {
    acceptedNames: { ...spec.names, singular: spec.names.singular ?? spec.names.kind.toLowerCase() },
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: now,
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: now,
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
  };
}
