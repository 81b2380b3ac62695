/**
 * Where the Kubernetes credentials come from, in one documented order (the first that applies):
 *  1. an explicit kubeconfig file (`--kubeconfig`);
 *  2. the `KUBECONFIG` environment variable (a path list, merged as kubectl does);
 *  3. the in-cluster service account, when `KUBERNETES_SERVICE_HOST` is set (running in a pod);
 *  4. `~/.kube/config`.
 * An unusable result (no file, no current cluster) is a clear error, never a half-configured client.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeConfigSource = 'flag' | 'KUBECONFIG' | 'in-cluster' | 'home';

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** Which step of the order supplied it (for the start-up log line). */
  source: KubeConfigSource;
  /** The file(s) read, or the service account directory. */
  from: string;
}

export interface KubeConfigInputs {
  /** The `--kubeconfig` flag. */
  kubeconfig?: string | undefined;
  /** Environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory (default `os.homedir()`). */
  home?: string;
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Loads the kubeconfig in the order above. Throws KubeConfigError with the reason when none is usable. */
export function loadKubeConfig(inputs: KubeConfigInputs = {}): LoadedKubeConfig {
  const env = inputs.env ?? process.env;
  const kc = new KubeConfig();
  let loaded: LoadedKubeConfig;
  if (inputs.kubeconfig !== undefined && inputs.kubeconfig !== '') {
    fromFile(kc, inputs.kubeconfig, '--kubeconfig');
    loaded = { kubeConfig: kc, source: 'flag', from: inputs.kubeconfig };
  } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
    const files = env.KUBECONFIG.split(':').filter((f) => f !== '' && existsSync(f));
    if (files.length === 0)
      throw new KubeConfigError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    fromFile(kc, files[0] as string, 'KUBECONFIG');
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      fromFile(more, f, 'KUBECONFIG');
      kc.mergeConfig(more, true);
    }
    loaded = { kubeConfig: kc, source: 'KUBECONFIG', from: files.join(':') };
  } else if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '') {
    try {
      kc.loadFromCluster();
    } catch (err) {
      throw new KubeConfigError(`in-cluster configuration: ${(err as Error).message}`);
    }
    loaded = { kubeConfig: kc, source: 'in-cluster', from: SERVICE_ACCOUNT_DIR };
  } else {
    const file = join(inputs.home ?? homedir(), '.kube', 'config');
    if (!existsSync(file))
      throw new KubeConfigError(
        `no Kubernetes configuration: give --kubeconfig, set KUBECONFIG, run in a pod, or create ${file}`,
      );
    fromFile(kc, file, file);
    loaded = { kubeConfig: kc, source: 'home', from: file };
  }
  if (kc.getCurrentCluster() === null)
    throw new KubeConfigError(`${loaded.from}: the kubeconfig has no current cluster (current-context?)`);
  return loaded;
}

function fromFile(kc: KubeConfig, file: string, what: string): void {
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new KubeConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}
