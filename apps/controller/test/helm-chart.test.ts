/**
 * The chart under the real helm (from .tools/bin, see scripts/tools.sh): `helm lint --strict` and
 * `helm template` for the default values and for the value variants operators use, each checked for
 * what the variant is meant to change. The default rendering is also checked byte for byte against
 * deploy/manifests/ (deploy.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { helmLint, helmTemplate } from '../scripts/helm.js';
import { CHART_DIR } from '../scripts/render-manifests.js';
import { parseCliArgs } from '../src/args.js';
import { type Doc, docs, find } from './manifest-docs.js';

interface Container {
  image: string;
  imagePullPolicy: string;
  args: string[];
  ports?: { name: string; containerPort: number }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; imagePullSecrets?: { name: string }[] };
}
type Workload = Doc & { spec: { replicas?: number; template: PodTemplate } };

const controllerOf = (all: Doc[]) => find(all, 'Deployment', 'bgplb-controller') as Workload;
const agentOf = (all: Doc[]) => {
  const ds = find(all, 'DaemonSet', 'bgplb-advertiser');
  if (ds === undefined) throw new Error('no DaemonSet bgplb-advertiser rendered');
  return ds as Workload;
};
const controllerArgs = (all: Doc[]) => controllerOf(all).spec.template.spec.containers[0]!.args;

interface Variant {
  name: string;
  values: Record<string, unknown>;
  /** What the variant changes, read from its rendering. */
  check: (all: Doc[], text: string) => void;
}

const ADMIN_SYNC_KINDS = ['networkgatewaygroups', 'bgploadbalancers', 'bgppeers'];

const VARIANTS: Variant[] = [
  {
    name: 'admin mode (SPEC §12): the sync and its least-privilege RBAC, no node agents',
    values: { mode: 'admin', adminSync: { clusterNamespaces: ['cluster-u1', 'cluster-u2'] } },
    check: (all) => {
      expect(controllerArgs(all)).toContain('--mode=admin');
      expect(all.some((d) => d.kind === 'DaemonSet')).toBe(false);
      expect(find(all, 'Role', 'bgplb-controller', 'cluster-bm')).toBeUndefined();
      expect(find(all, 'ClusterRole', 'bgplb-admin-sync')?.rules).toEqual([
        { apiGroups: ['baremetal.cluster.gke.io'], resources: ['clusters'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['baremetal.cluster.gke.io'], resources: ['clusters/status'], verbs: ['patch'] },
        { apiGroups: ['networking.gke.io'], resources: ADMIN_SYNC_KINDS, verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['networking.gke.io'],
          resources: ADMIN_SYNC_KINDS.map((k) => `${k}/status`),
          verbs: ['patch'],
        },
      ]);
      // Secrets: one Role per listed namespace, none cluster-wide.
      for (const ns of ['cluster-u1', 'cluster-u2'])
        expect(find(all, 'Role', 'bgplb-admin-sync-secrets', ns)?.rules).toEqual([
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        ]);
      const secretRules = all.filter((d) => d.rules?.some((r) => r.resources.includes('secrets')));
      expect(secretRules.map((d) => `${d.kind}/${d.metadata.namespace}`)).toEqual([
        'Role/cluster-u1',
        'Role/cluster-u2',
      ]);
      expect(find(all, 'Role', 'bgplb-controller-leader-election', 'kube-system')).toBeDefined();
    },
  },
  {
    name: 'user cluster access for the admin sync',
    values: { userClusterAccess: { enabled: true } },
    check: (all) => {
      expect(find(all, 'ServiceAccount', 'bgplb-admin-sync', 'kube-system')).toBeDefined();
      expect(find(all, 'Role', 'bgplb-admin-sync', 'cluster-bm')?.rules?.[0]).toEqual({
        apiGroups: ['networking.gke.io'],
        resources: ADMIN_SYNC_KINDS,
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      });
      expect(find(all, 'Role', 'bgplb-admin-sync-status', 'kube-system')?.rules?.[0]?.verbs).toEqual([
        'get',
        'list',
        'watch',
      ]);
    },
  },
  {
    name: 'defaults',
    values: {},
    check: (all) => {
      expect(controllerOf(all).spec.replicas).toBe(2);
      expect(find(all, 'PodDisruptionBudget', 'bgplb-controller')?.spec).toMatchObject({ minAvailable: 1 });
      expect(agentOf(all).spec.template.spec.containers[0]!.args).toEqual(
        expect.arrayContaining(['--on-exit=graceful-restart', '--handover=graceful']),
      );
      // Next-hop liveness is an extension, off unless asked for.
      expect(
        agentOf(all).spec.template.spec.containers[0]!.args.filter((a) => a.startsWith('--next-hop')),
      ).toEqual([]);
      expect(controllerOf(all).spec.template.spec.containers[0]!.image).toBe(
        'ghcr.io/bgplb/bgplb-controller:0.1.0',
      );
    },
  },
  {
    name: 'next-hop liveness on, with its own timers',
    values: {
      advertiser: { nextHopLiveness: { enabled: true, interval: '100ms', multiplier: 5, holdDown: '10s' } },
    },
    check: (all) => {
      expect(agentOf(all).spec.template.spec.containers[0]!.args).toEqual(
        expect.arrayContaining([
          '--next-hop-liveness=on',
          '--next-hop-interval=100ms',
          '--next-hop-multiplier=5',
          '--next-hop-hold-down=10s',
        ]),
      );
    },
  },
  {
    name: 'agent withdraws on exit and ceases on handover (routers without GR helper mode)',
    values: { advertiser: { onExit: 'withdraw', handover: 'cease', gracefulRestartTime: 90 } },
    check: (all) => {
      expect(agentOf(all).spec.template.spec.containers[0]!.args).toEqual(
        expect.arrayContaining(['--on-exit=withdraw', '--handover=cease', '--graceful-restart-time=90']),
      );
    },
  },
  {
    name: 'one controller replica: no leader election, no PodDisruptionBudget',
    values: {
      controller: {
        replicas: 1,
        leaderElection: { enabled: false },
        podDisruptionBudget: { enabled: false },
      },
    },
    check: (all) => {
      expect(controllerOf(all).spec.replicas).toBe(1);
      expect(all.some((d) => d.kind === 'PodDisruptionBudget')).toBe(false);
      expect(parseCliArgs(controllerArgs(all), {})).toMatchObject({ leaderElect: false });
    },
  },
  {
    name: 'HA: three controller replicas, two kept up during drains, a faster failover',
    values: {
      controller: {
        replicas: 3,
        podDisruptionBudget: { minAvailable: 2 },
        leaderElection: { leaseDurationSeconds: 8, renewDeadlineSeconds: 6, retryPeriodSeconds: 1 },
      },
    },
    check: (all) => {
      expect(controllerOf(all).spec.replicas).toBe(3);
      expect(find(all, 'PodDisruptionBudget', 'bgplb-controller')?.spec).toMatchObject({ minAvailable: 2 });
      expect(parseCliArgs(controllerArgs(all), {})).toMatchObject({
        leaderElect: true,
        leaseDurationSeconds: 8,
        renewDeadlineSeconds: 6,
        retryPeriodSeconds: 1,
      });
    },
  },
  {
    name: 'custom images from a private registry',
    values: {
      controller: {
        image: {
          repository: 'registry.example.test/net/bgplb-controller',
          tag: '1.2.3',
          pullPolicy: 'Always',
        },
        imagePullSecrets: [{ name: 'regcred' }],
      },
      advertiser: {
        image: { repository: 'registry.example.test/net/bgpadvertiser', tag: '1.2.3-rc.1' },
        imagePullSecrets: [{ name: 'regcred' }],
      },
    },
    check: (all) => {
      const controller = controllerOf(all).spec.template.spec;
      expect(controller.containers[0]).toMatchObject({
        image: 'registry.example.test/net/bgplb-controller:1.2.3',
        imagePullPolicy: 'Always',
      });
      expect(controller.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      const agent = agentOf(all).spec.template.spec;
      expect(agent.containers[0]).toMatchObject({
        image: 'registry.example.test/net/bgpadvertiser:1.2.3-rc.1',
        imagePullPolicy: 'IfNotPresent',
      });
      expect(agent.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    },
  },
  {
    name: 'monitoring: Prometheus scrape annotations, metrics on port 9090',
    values: {
      controller: {
        metricsPort: 9090,
        podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      },
    },
    check: (all) => {
      const template = controllerOf(all).spec.template;
      expect(template.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
      });
      expect(template.spec.containers[0]!.ports).toEqual([
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ]);
      expect(parseCliArgs(controllerArgs(all), {})).toMatchObject({ metricsAddr: ':9090' });
    },
  },
  {
    name: 'no node agent, an ingress Service, extra labels',
    values: {
      advertiser: { enabled: false },
      controller: { ingressService: 'gke-system/istio-ingress' },
      commonLabels: { team: 'net' },
    },
    check: (all) => {
      expect(all.some((d) => d.kind === 'DaemonSet' || d.metadata.name.startsWith('bgplb-advertiser'))).toBe(
        false,
      );
      expect(parseCliArgs(controllerArgs(all), {})).toMatchObject({
        ingressService: 'gke-system/istio-ingress',
      });
      for (const d of all)
        expect(d.metadata.labels, `${d.kind}/${d.metadata.name}`).toMatchObject({ team: 'net' });
    },
  },
];

/**
 * Values that the controller or the node agent would refuse at start (a crash loop after install),
 * or that would be ignored (a misspelt key): values.schema.json refuses them at `helm install`.
 */
const REFUSED: { name: string; values: Record<string, unknown>; error: RegExp }[] = [
  {
    name: 'a misspelt key (onexit), which would silently keep the default',
    values: { advertiser: { onexit: 'withdraw' } },
    error: /at '\/advertiser': additional properties 'onexit' not allowed/,
  },
  {
    name: 'an unknown onExit mode',
    values: { advertiser: { onExit: 'drian' } },
    error: /at '\/advertiser\/onExit'/,
  },
  {
    name: 'a Graceful Restart time outside 1..4095 (the agent refuses it)',
    values: { advertiser: { gracefulRestartTime: 0 } },
    error: /at '\/advertiser\/gracefulRestartTime': minimum: got 0, want 1/,
  },
  {
    name: 'a heartbeat without a unit',
    values: { advertiser: { heartbeat: '30' } },
    error: /at '\/advertiser\/heartbeat'/,
  },
  {
    name: 'a health host that is not an IPv4 address',
    values: { advertiser: { healthHost: 'localhost' } },
    error: /at '\/advertiser\/healthHost'/,
  },
  {
    name: 'a metrics port out of range',
    values: { controller: { metricsPort: 70000 } },
    error: /at '\/controller\/metricsPort': maximum: got 70,000, want 65,535/,
  },
  {
    name: 'replicas given as a string',
    values: { controller: { replicas: 'two' } },
    error: /at '\/controller\/replicas': got string, want integer/,
  },
  {
    name: 'an ingress Service without its namespace',
    values: { controller: { ingressService: 'istio-ingress' } },
    error: /at '\/controller\/ingressService'/,
  },
  {
    name: 'a cluster namespace that is not a Kubernetes name',
    values: { clusterNamespace: 'Cluster_BM' },
    error: /at '\/clusterNamespace'/,
  },
];

describe('the chart under the real helm', { timeout: 60_000 }, () => {
  it.each(VARIANTS)('helm lint --strict passes: $name', ({ values }) => {
    expect(helmLint(CHART_DIR, values)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(VARIANTS)('helm template renders: $name', ({ values, check }) => {
    const text = helmTemplate({ chartDir: CHART_DIR, values });
    const all = docs(text);
    for (const d of all) {
      expect(d.apiVersion && d.kind && d.metadata.name, JSON.stringify(d).slice(0, 80)).toBeTruthy();
      expect(d.metadata.labels?.['app.kubernetes.io/instance'], `${d.kind}/${d.metadata.name}`).toBe('bgplb');
    }
    // Whatever the values, the controller's arguments are ones its CLI accepts.
    expect(parseCliArgs(controllerArgs(all), {})).toMatchObject(
      values.mode === 'admin' ? { mode: 'admin' } : { mode: 'cluster', clusterNamespace: 'cluster-bm' },
    );
    check(all, text);
  });

  it.each(REFUSED)(
    'values.schema.json refuses $name, in helm template and helm lint',
    ({ values, error }) => {
      expect(() => helmTemplate({ chartDir: CHART_DIR, values })).toThrow(error);
      expect(() => helmLint(CHART_DIR, values)).toThrow(error);
    },
  );

  it('refuses a cluster older than Kubernetes 1.31 (the kubeVersion of Chart.yaml)', () => {
    expect(() => helmTemplate({ chartDir: CHART_DIR, kubeVersion: '1.30.9' })).toThrow(
      /chart requires kubeVersion: >=1\.31\.0-0 which is incompatible with Kubernetes v1\.30\.9/,
    );
    expect(docs(helmTemplate({ chartDir: CHART_DIR, kubeVersion: '1.31.0' })).length).toBeGreaterThan(0);
    // Vendor builds carry a pre-release suffix, which the "-0" of the constraint admits.
    expect(
      docs(helmTemplate({ chartDir: CHART_DIR, kubeVersion: 'v1.31.2-eks-1234' })).length,
    ).toBeGreaterThan(0);
  });
});
