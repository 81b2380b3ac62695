/**
 * deploy/monitoring against the code: every metric that a dashboard panel or an alert queries is one
 * the programs register (read from their real registries: the registration functions the controller
 * and bgpadvertiser call, plus what the health server adds), and the alert rules pass
 * `promtool check rules` and their unit tests (`promtool test rules`). promtool comes from the
 * Debian package `prometheus` (scripts/bootstrap.sh installs it as root); without it the promtool
 * tests skip and say so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AgentMetrics,
  createRegistry,
  registerBfdMetrics,
  registerControlPlaneMetrics,
  registerSpeakerMetrics,
} from '@bgplb/advertiser';
import { ControllerMetrics } from '@bgplb/controller';
import { createLogger, startHealthServer } from '@bgplb/kube-runtime/process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const DIR = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url));
const RULES = `${DIR}bgplb-alerts.rules.yaml`;

/** Series names a registry exposes (histograms and summaries with their suffixes). */
type Registry = ControllerMetrics['registry'];

async function seriesNames(registry: Registry): Promise<Set<string>> {
  // The health server registers its own metrics (event-loop delay, rejected connections).
  const server = await startHealthServer({
    address: '127.0.0.1:0',
    logger: createLogger({ level: 'silent' }),
    registry,
    readiness: () => ({ ready: true }),
  });
  const names = new Set<string>();
  try {
    for (const m of await registry.getMetricsAsJSON()) {
      names.add(m.name);
      const type = String(m.type); // prom-client's MetricType enum holds these strings
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
    }
  } finally {
    // Closing unregisters the server's own metrics: read them first.
    await server.close();
  }
  return names;
}

async function registeredSeries(): Promise<Set<string>> {
  const controller = await seriesNames(new ControllerMetrics().registry);
  const agent = createRegistry();
  registerSpeakerMetrics(agent, () => []);
  registerBfdMetrics(agent, { peers: () => [], on: () => undefined });
  new AgentMetrics(agent);
  registerControlPlaneMetrics(agent, { announced: () => false, consecutiveFailures: () => 0 });
  const advertiser = await seriesNames(agent);
  return new Set([...controller, ...advertiser]);
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring']);

/**
 * The metric names of a PromQL expression: what is left after dropping strings, label matchers,
 * ranges, grouping lists, numbers and function names.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const out: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
    const name = m[0].replace(/\s*\($/, '');
    if (m[1] !== undefined || KEYWORDS.has(name)) continue; // a function, or an operator
    out.push(name);
  }
  return out;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

function dashboardQueries(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(`${DIR}bgplb-dashboard.json`, 'utf8')) as {
    panels: Panel[];
    templating: { list: { name: string; query?: { query: string } | string }[] };
  };
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      if (p.type !== 'row') expect(p.targets?.length, `panel "${p.title}" has no query`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating.list) {
    const q = typeof v.query === 'object' ? v.query.query : undefined;
    const inner = q?.match(/^label_values\((.*),\s*\w+\)$/)?.[1];
    if (inner !== undefined) out.push({ where: `variable $${v.name}`, expr: inner });
  }
  return out;
}

function ruleQueries(): { where: string; expr: string }[] {
  const rules = parse(readFileSync(RULES, 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

describe('deploy/monitoring names only metrics the programs register', () => {
  it('finds the metric names of an expression', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(bgplb_agent_route_update_seconds_bucket{node=~"$node"}[$__rate_interval])))',
      ),
    ).toEqual(['bgplb_agent_route_update_seconds_bucket']);
    expect(metricNames('sum(bgplb_leader) < 1 or absent(bgplb_leader)')).toEqual([
      'bgplb_leader',
      'bgplb_leader',
    ]);
    expect(metricNames('max by (pool) (a_used) / max by (pool) (b) > 0.9')).toEqual(['a_used', 'b']);
  });

  it('every dashboard query and alert expression', async () => {
    const known = await registeredSeries();
    // The registries are really read: a metric of each program is there.
    expect(known).toContain('bgplb_leader');
    expect(known).toContain('bgplb_bgp_session_up');
    const queries = [...dashboardQueries(), ...ruleQueries()];
    expect(queries.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const { where, expr } of queries) {
      const names = metricNames(expr);
      if (names.length === 0) unknown.push(`${where}: no metric in ${expr}`);
      for (const n of names) if (!known.has(n)) unknown.push(`${where}: ${n} is not registered`);
    }
    expect(unknown).toEqual([]);
  });

  it("the issue's alerts are all there", () => {
    expect(ruleQueries().map((q) => q.where.replace('alert ', ''))).toEqual([
      'BgplbSessionDown',
      'BgplbVIPWithoutPath',
      'BgplbPoolAlmostFull',
      'BgplbFloatingIPUnassigned',
      'BgplbNoControllerLeader',
      'BgplbAgentNotReporting',
    ]);
  });
});

function promtoolSkipReason(): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs promtool (Debian package prometheus; scripts/bootstrap.sh installs it as root)';
  }
}
const skip = promtoolSkipReason();
if (skip !== undefined) console.warn(`skipping the promtool checks: ${skip}`);

describe.skipIf(skip !== undefined)('the alert rules under promtool', () => {
  it('promtool check rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(
      /SUCCESS: 6 rules found/,
    );
  });

  it('promtool test rules: each alert fires when it should, and only then', () => {
    expect(
      execFileSync('promtool', ['test', 'rules', `${DIR}bgplb-alerts.test.yaml`], {
        encoding: 'utf8',
        cwd: DIR,
      }),
    ).toMatch(/SUCCESS/);
  });
});
