/** The Helm chart (rendered and linted by the real helm), the manifests rendered from it, RBAC and the Dockerfile. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmTemplate } from '../scripts/helm.js';
import {
  CHART_DIR,
  chartKubeVersion,
  MANIFEST,
  renderDefaultManifests,
} from '../scripts/render-manifests.js';
import { parseCliArgs } from '../src/args.js';
import { type Doc, docs, find } from './manifest-docs.js';

/** `group/resource: verbs` for every rule, sorted: the whole grant in one comparable list. */
function grants(role: Doc | undefined): string[] {
  const out: string[] = [];
  for (const r of role?.rules ?? []) {
    for (const g of r.apiGroups)
      for (const res of r.resources) {
        const names = r.resourceNames ? `[${r.resourceNames.join(',')}]` : '';
        out.push(`${g || 'core'}/${res}${names}: ${[...r.verbs].sort().join(',')}`);
      }
  }
  return out.sort();
}

describe('deploy/manifests', () => {
  it('is exactly what the chart renders (run `pnpm --filter @bgplb/controller render-manifests` after a chart change)', () => {
    expect(readFileSync(MANIFEST, 'utf8')).toBe(renderDefaultManifests());
  });

  it('holds valid YAML objects: the CRDs, both ServiceAccounts, the Deployment, the DaemonSet and the PDB', () => {
    const all = docs(readFileSync(MANIFEST, 'utf8'));
    for (const d of all)
      expect(d.apiVersion && d.kind && d.metadata.name, JSON.stringify(d).slice(0, 80)).toBeTruthy();
    expect(
      all
        .filter((d) => d.kind === 'CustomResourceDefinition')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([
      'bgpadvertisedroutes.networking.gke.io',
      'bgploadbalancers.networking.gke.io',
      'bgppeers.networking.gke.io',
      'bgpsessions.networking.gke.io',
      'clusters.baremetal.cluster.gke.io',
      'networkgatewaygroups.networking.gke.io',
    ]);
    expect(find(all, 'ServiceAccount', 'bgplb-controller', 'kube-system')).toBeDefined();
    expect(find(all, 'ServiceAccount', 'bgplb-advertiser', 'kube-system')).toBeDefined();
    expect(find(all, 'PodDisruptionBudget', 'bgplb-controller')?.spec).toMatchObject({ minAvailable: 1 });
    const deployment = find(all, 'Deployment', 'bgplb-controller') as unknown as {
      spec: {
        replicas: number;
        template: { spec: { securityContext: Record<string, unknown>; containers: { args: string[] }[] } };
      };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const ds = find(all, 'DaemonSet', 'bgplb-advertiser') as unknown as {
      spec: {
        template: {
          spec: {
            hostNetwork: boolean;
            containers: {
              args: string[];
              securityContext: { capabilities: { add: string[]; drop: string[] } };
            }[];
          };
        };
      };
    };
    const agent = ds.spec.template.spec.containers[0]!;
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(agent.args.slice(0, 2)).toEqual(['agent', '--node-name=$(NODE_NAME)']);
    expect(agent.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(agent.securityContext.capabilities.add).toEqual(
      expect.arrayContaining(['NET_ADMIN', 'NET_BIND_SERVICE']),
    );
  });

  it("the controller's arguments in the Deployment are accepted by its CLI", () => {
    const all = docs(readFileSync(MANIFEST, 'utf8'));
    const deployment = find(all, 'Deployment', 'bgplb-controller') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0]! as {
      args: string[];
      env?: { name: string; value?: string }[];
    };
    // The benchmark runs the controller with the same NODE_OPTIONS (bench/controller.bench.ts).
    expect(container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value).toBe(
      '--max-semi-space-size=4 --max-old-space-size=192',
    );
    const parsed = parseCliArgs(container.args, {});
    expect(parsed).toMatchObject({
      clusterNamespace: 'cluster-bm',
      leaderElect: true,
      leaderElectionNamespace: 'kube-system',
      graceSeconds: 30,
      metricsAddr: ':8080',
    });
  });

  it('declares Kubernetes >= 1.31, which CRD selectableFields and the agent field selector need', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { kubeVersion?: string };
    expect(chart.kubeVersion).toBe('>=1.31.0-0');
    expect(chartKubeVersion()).toBe('>=1.31.0-0');
    expect(readFileSync(MANIFEST, 'utf8')).toContain('# Requires Kubernetes >=1.31.0-0');
    // The reason for the minimum: without selectableFields the constraint could be relaxed.
    const sessions = parse(
      readFileSync(join(CHART_DIR, 'crds', 'networking.gke.io_bgpsessions.yaml'), 'utf8'),
    ) as { spec: { versions: { selectableFields?: { jsonPath: string }[] }[] } };
    expect(sessions.spec.versions[0]?.selectableFields).toEqual([{ jsonPath: '.spec.nodeName' }]);
  });

  it('probes the agent on the loopback listener it binds in the host network (httpGet host, not the pod IP)', () => {
    const probesOf = (text: string) => {
      const ds = find(docs(text), 'DaemonSet', 'bgplb-advertiser') as unknown as {
        spec: { template: { spec: { hostNetwork: boolean; containers: AgentContainer[] } } };
      };
      expect(ds.spec.template.spec.hostNetwork).toBe(true);
      return ds.spec.template.spec.containers[0]!;
    };
    type Probe = { httpGet: { host: string; port: number; path: string }; failureThreshold: number };
    type AgentContainer = { args: string[]; livenessProbe: Probe; readinessProbe: Probe };

    const agent = probesOf(readFileSync(MANIFEST, 'utf8'));
    expect(agent.args).toContain('--health-addr=127.0.0.1:8081');
    expect(agent.livenessProbe.httpGet).toEqual({ host: '127.0.0.1', port: 8081, path: '/healthz' });
    expect(agent.readinessProbe.httpGet).toEqual({ host: '127.0.0.1', port: 8081, path: '/readyz' });
    // A liveness restart must need a long outage (a minute), not one slow answer.
    expect(agent.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(3);

    // The probes follow the listener when an operator moves it.
    const moved = probesOf(
      helmTemplate({
        chartDir: CHART_DIR,
        values: { advertiser: { healthHost: '10.0.0.5', healthPort: 9091 } },
      }),
    );
    expect(moved.args).toContain('--health-addr=10.0.0.5:9091');
    for (const probe of [moved.livenessProbe, moved.readinessProbe])
      expect(probe.httpGet).toMatchObject({ host: '10.0.0.5', port: 9091 });

    // `helm upgrade --reuse-values` from a release without these keys still renders the defaults
    // (a null value deletes the key from helm's merged values).
    const reused = probesOf(
      helmTemplate({ chartDir: CHART_DIR, values: { advertiser: { healthHost: null, healthPort: null } } }),
    );
    expect(reused.args).toContain('--health-addr=127.0.0.1:8081');
    expect(reused.livenessProbe.httpGet).toMatchObject({ host: '127.0.0.1', port: 8081 });
  });

  it('ships the CRDs generated by @bgplb/api-types, unchanged (render-manifests copies them)', () => {
    const ours = readdirSync(join(CHART_DIR, 'crds')).sort();
    const theirs = readdirSync(crdDirectory)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(ours).toEqual(theirs);
    for (const f of ours)
      expect(readFileSync(join(CHART_DIR, 'crds', f), 'utf8'), f).toBe(
        readFileSync(join(crdDirectory, f), 'utf8'),
      );
  });
});

describe('RBAC is least privilege, written resource by resource', () => {
  const all = docs(readFileSync(MANIFEST, 'utf8'));

  it('node agent: read its objects, write session status, its route-status entry and events, nothing else', () => {
    expect(grants(find(all, 'Role', 'bgplb-advertiser', 'kube-system'))).toEqual([
      'core/events: create,patch',
      'networking.gke.io/bgpadvertisedroutes/status: patch',
      'networking.gke.io/bgpadvertisedroutes: get,list,watch',
      'networking.gke.io/bgpsessions/status: patch,update',
      'networking.gke.io/bgpsessions: get,list,watch',
    ]);
    expect(grants(find(all, 'Role', 'bgplb-advertiser-node-events', 'default'))).toEqual([
      'core/events: create,patch',
    ]);
    // Its floating IPs' Leases (names depend on the floating IPs: not limited by name).
    expect(grants(find(all, 'Role', 'bgplb-advertiser-leases', 'kube-system'))).toEqual([
      'coordination.k8s.io/leases: create,get,update',
    ]);
    expect(grants(find(all, 'Role', 'bgplb-advertiser', 'cluster-bm'))).toEqual([
      'networking.gke.io/bgppeers: get,list,watch',
      'networking.gke.io/networkgatewaygroups: get,list,watch',
    ]);
    expect(all.some((d) => d.kind === 'ClusterRole' && d.metadata.name.includes('advertiser'))).toBe(false);
  });

  it('controller: exactly the verbs it uses', () => {
    expect(grants(find(all, 'ClusterRole', 'bgplb-controller'))).toEqual([
      'core/events: create,patch',
      'core/nodes: get,list,patch,watch',
      'core/services/status: patch',
      'core/services: get,list,watch',
      'discovery.k8s.io/endpointslices: list,watch',
    ]);
    expect(grants(find(all, 'Role', 'bgplb-controller', 'cluster-bm'))).toEqual([
      'baremetal.cluster.gke.io/clusters: get,list,watch',
      'networking.gke.io/bgploadbalancers/status: patch',
      'networking.gke.io/bgploadbalancers: get,list,watch',
      'networking.gke.io/bgppeers/status: patch',
      'networking.gke.io/bgppeers: get,list,watch',
      'networking.gke.io/networkgatewaygroups/status: patch',
      'networking.gke.io/networkgatewaygroups: get,list,watch',
    ]);
    expect(grants(find(all, 'Role', 'bgplb-controller-objects', 'kube-system'))).toEqual([
      'networking.gke.io/bgpadvertisedroutes/status: patch',
      'networking.gke.io/bgpadvertisedroutes: create,delete,get,list,update,watch',
      'networking.gke.io/bgpsessions: create,delete,get,list,update,watch',
    ]);
    expect(grants(find(all, 'Role', 'bgplb-controller-leader-election', 'kube-system'))).toEqual([
      'coordination.k8s.io/leases: create',
      // The floating-IP Leases: watched, read before a move, never written.
      'coordination.k8s.io/leases: get,list,watch',
      'coordination.k8s.io/leases[bgplb-controller]: get,update',
    ]);
  });

  it('never grants wildcards, secrets or pods', () => {
    for (const d of all.filter((x) => x.rules)) {
      for (const r of d.rules!) {
        expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
        expect(r.resources.some((x) => /secrets|pods|configmaps/.test(x))).toBe(false);
      }
    }
  });

  it('binds every Role to the ServiceAccount of its component', () => {
    for (const b of all.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
      const binding = b as unknown as { roleRef: { name: string }; subjects: { name: string }[] };
      expect(binding.subjects.map((s) => s.name)).toEqual([
        binding.roleRef.name.startsWith('bgplb-advertiser') ? 'bgplb-advertiser' : 'bgplb-controller',
      ]);
    }
  });
});

describe('chart values', () => {
  it('documents every field of values.yaml with a comment', () => {
    const lines = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8').split('\n');
    const undocumented: string[] = [];
    let inFree = -1; // indentation of a free-form block (resources, tolerations, ...)
    lines.forEach((line, i) => {
      const m = /^(\s*)([A-Za-z][\w-]*):/.exec(line);
      if (!m) return;
      const indent = m[1]!.length;
      if (inFree >= 0 && indent > inFree) return;
      inFree = -1;
      if (
        [
          'resources',
          'tolerations',
          'podDisruptionBudget',
          'image',
          'leaderElection',
          'controller',
          'advertiser',
          'monitoring',
          'serviceMonitor',
          'prometheusRule',
          'dashboard',
          'labels',
        ].includes(m[2]!) &&
        !/:\s*\S/.test(line.slice(m[0].length))
      ) {
        const free = ['resources', 'tolerations', 'labels'];
        if (free.includes(m[2]!)) inFree = indent;
        if (!free.includes(m[2]!)) return; // a section: its fields are documented
      }
      const previous = lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== '');
      if (!previous?.trim().startsWith('#')) undocumented.push(m[2]!);
    });
    expect(undocumented).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  it('is multi-stage on Node 24 and runs as non-root', () => {
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^FROM node:24/m);
    expect(text).toMatch(/^USER (node|65532|nonroot)/m);
    expect(text).toMatch(/ENTRYPOINT \[.*bgplb-controller|dist\/cli\.js/);
  });

  it("sets glibc's malloc environment the controller bench measures (bench/bench-support.ts)", async () => {
    const { controllerEnv } = await import('../bench/bench-support.js');
    const env = controllerEnv();
    const set = new Map(
      [...text.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
        (m[1] as string).split(/\s+/).map((kv) => kv.split('=') as [string, string]),
      ),
    );
    for (const name of ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'])
      expect(set.get(name), name).toBe(env[name]);
  });
});
