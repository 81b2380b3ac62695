/**
 * Processes of their own for benchmarks: the process measured (a controller, an informer) must not
 * share its event loop and heap with the API server it talks to. One start-up for every bench:
 * node runs a TypeScript file (tsx, the workspace's source condition) and is ready when it says so.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository's root (this file is packages/test-apiserver/{src,dist}/spawn.*). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Runs `script` (a .ts file) under node with tsx and the `@bgplb/source` condition, its stdout
 * piped and its stderr inherited; resolves once a stdout line satisfies `ready`, rejects when the
 * process exits (or cannot start) before that.
 */
export function spawnScript(
  script: string,
  args: readonly string[],
  ready: (line: string) => boolean,
  options: { cwd?: string; stdin?: boolean } = {},
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--conditions=@bgplb/source', '--import', 'tsx', script, ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (ready(line)) resolve(proc);
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) =>
      reject(new Error(`${script} exited (${signal ?? `code ${code}`}) before it was ready`)),
    );
  });
}

export interface SpawnTestApiServerOptions {
  /** Where the server writes a kubeconfig pointing at itself. */
  kubeconfigOut: string;
  /** A directory of CRD files to serve (e.g. packages/api-types/crds). */
  crds?: string;
  autoCreateNamespaces?: boolean;
  /** Watch events kept for resuming watches (the server's default when unset). */
  historyLimit?: number;
}

/** `bgplb-test-apiserver` (from source) on 127.0.0.1, in a process of its own, once it listens. */
export function spawnTestApiServer(o: SpawnTestApiServerOptions): Promise<ChildProcess> {
  const args = ['--host', '127.0.0.1', '--kubeconfig-out', o.kubeconfigOut];
  if (o.crds !== undefined) args.push('--crds', o.crds);
  if (o.autoCreateNamespaces) args.push('--auto-create-namespaces');
  if (o.historyLimit !== undefined) args.push('--history-limit', String(o.historyLimit));
  return spawnScript(join(ROOT, 'packages/test-apiserver/src/cli.ts'), args, (line) =>
    line.includes('"listening"'),
  );
}
