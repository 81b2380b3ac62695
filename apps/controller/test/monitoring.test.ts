/**
 * The monitoring objects of the chart (docs/operations.md, "Dashboard and alerts"): rendered only
 * when enabled, carrying exactly deploy/monitoring's dashboard and rules, and refused when the
 * agents' metrics would be unreachable. The metric names and the rules themselves are checked in
 * e2e/src/monitoring.test.ts (which can import both apps) and with promtool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmLint, helmTemplate } from '../scripts/helm.js';
import {
  CHART_DIR,
  MONITORING_DIR,
  MONITORING_FILES,
  MONITORING_MANIFEST,
  MONITORING_VALUES,
  renderMonitoringManifests,
} from '../scripts/render-manifests.js';
import { type Doc, docs, find } from './manifest-docs.js';

const MONITORING_KINDS = ['ServiceMonitor', 'PrometheusRule'];
const monitoringObjects = (all: Doc[]) =>
  all.filter(
    (d) =>
      MONITORING_KINDS.includes(d.kind) ||
      d.metadata.name === 'bgplb-dashboard' ||
      d.metadata.name.endsWith('-metrics'),
  );

describe('monitoring in the chart', { timeout: 60_000 }, () => {
  it.each(MONITORING_FILES)('files/%s is the copy of deploy/monitoring/%s (run render-manifests)', (f) => {
    expect(readFileSync(join(CHART_DIR, 'files', f), 'utf8')).toBe(
      readFileSync(join(MONITORING_DIR, f), 'utf8'),
    );
  });

  it('deploy/monitoring/bgplb-monitoring.yaml is what the chart renders (run render-manifests)', () => {
    expect(readFileSync(MONITORING_MANIFEST, 'utf8')).toBe(renderMonitoringManifests());
  });

  it('renders nothing for monitoring by default', () => {
    expect(monitoringObjects(docs(helmTemplate({ chartDir: CHART_DIR })))).toEqual([]);
  });

  it('renders the ServiceMonitor, PrometheusRule and dashboard when enabled, and lints clean', () => {
    expect(helmLint(CHART_DIR, MONITORING_VALUES)).toMatch(/0 chart\(s\) failed/);
    const all = docs(helmTemplate({ chartDir: CHART_DIR, values: MONITORING_VALUES }));
    const rule = find(all, 'PrometheusRule', 'bgplb');
    expect(rule?.spec).toEqual(parse(readFileSync(join(MONITORING_DIR, 'bgplb-alerts.rules.yaml'), 'utf8')));
    const dashboard = find(all, 'ConfigMap', 'bgplb-dashboard') as unknown as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard.data['bgplb-dashboard.json']!)).toEqual(
      JSON.parse(readFileSync(join(MONITORING_DIR, 'bgplb-dashboard.json'), 'utf8')),
    );
    const monitor = find(all, 'ServiceMonitor', 'bgplb') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    };
    expect(monitor.spec.endpoints.map((e) => e.port)).toEqual(['metrics']);
    // It selects both metrics Services, and they select the controller and the agent pods.
    const services = all.filter(
      (d) =>
        d.kind === 'Service' &&
        Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => d.metadata.labels?.[k] === v),
    ) as unknown as {
      metadata: { name: string };
      spec: { selector: Record<string, string>; ports: { name: string; port: number }[] };
    }[];
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      'bgplb-advertiser-metrics',
      'bgplb-controller-metrics',
    ]);
    const ports = Object.fromEntries(services.map((s) => [s.metadata.name, s.spec.ports[0]]));
    expect(ports['bgplb-controller-metrics']).toMatchObject({ name: 'metrics', port: 8080 });
    expect(ports['bgplb-advertiser-metrics']).toMatchObject({ name: 'metrics', port: 8081 });
    // The agents listen on the node's address, which their probes reach without a host.
    const ds = find(all, 'DaemonSet', 'bgplb-advertiser') as unknown as {
      spec: {
        template: {
          spec: {
            containers: {
              args: string[];
              env: { name: string }[];
              readinessProbe: { httpGet: Record<string, unknown> };
            }[];
          };
        };
      };
    };
    const agent = ds.spec.template.spec.containers[0]!;
    expect(agent.args).toContain('--health-addr=$(HOST_IP):8081');
    expect(agent.env.map((e) => e.name)).toContain('HOST_IP');
    expect(agent.readinessProbe.httpGet.host).toBeUndefined();
  });

  it('puts the dashboard into another namespace and the rules under the labels Prometheus selects', () => {
    const all = docs(
      helmTemplate({
        chartDir: CHART_DIR,
        values: {
          monitoring: {
            prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
            dashboard: { enabled: true, namespace: 'grafana', labels: { grafana_dashboard: 'bgplb' } },
          },
        },
      }),
    );
    expect(find(all, 'PrometheusRule', 'bgplb')?.metadata.labels?.release).toBe('kube-prometheus-stack');
    const dashboard = find(all, 'ConfigMap', 'bgplb-dashboard', 'grafana');
    expect(dashboard?.metadata.labels?.grafana_dashboard).toBe('bgplb');
    expect(find(all, 'ServiceMonitor', 'bgplb')).toBeUndefined();
  });

  it('refuses a ServiceMonitor while the agents serve /metrics on the loopback', () => {
    expect(() =>
      helmTemplate({ chartDir: CHART_DIR, values: { monitoring: { serviceMonitor: { enabled: true } } } }),
    ).toThrow(/set advertiser.healthHost=hostIP/);
    // Without agents, the controller alone is scraped.
    const all = docs(
      helmTemplate({
        chartDir: CHART_DIR,
        values: { advertiser: { enabled: false }, monitoring: { serviceMonitor: { enabled: true } } },
      }),
    );
    expect(all.filter((d) => d.kind === 'Service').map((d) => d.metadata.name)).toEqual([
      'bgplb-controller-metrics',
    ]);
  });

  it('values.schema.json refuses a misspelt monitoring key and a bad healthHost', () => {
    expect(() =>
      helmTemplate({ chartDir: CHART_DIR, values: { monitoring: { servicemonitor: { enabled: true } } } }),
    ).toThrow(/at '\/monitoring': additional properties 'servicemonitor' not allowed/);
    expect(() =>
      helmTemplate({ chartDir: CHART_DIR, values: { advertiser: { healthHost: 'hostip' } } }),
    ).toThrow(/at '\/advertiser\/healthHost'/);
  });
});
