import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { KubeConfigError, loadKubeConfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));

function kubeconfig(
  file: string,
  server: string,
  context = 'ctx',
  currentContext: string | null = context,
): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c-${context}, cluster: {server: '${server}'}}]`,
      `users: [{name: u-${context}, user: {token: t}}]`,
      `contexts: [{name: ${context}, context: {cluster: c-${context}, user: u-${context}}}]`,
      currentContext === null ? '' : `current-context: ${currentContext}`,
    ].join('\n'),
  );
  return path;
}

const server = (r: ReturnType<typeof loadKubeConfig>) => r.kubeConfig.getCurrentCluster()?.server;

describe('loadKubeConfig: --kubeconfig, then KUBECONFIG, then in-cluster, then ~/.kube/config', () => {
  const flag = kubeconfig('flag', 'https://flag:6443');
  const env1 = kubeconfig('env1', 'https://env1:6443', 'one');
  const env2 = kubeconfig('env2', 'https://env2:6443', 'two', null);
  const home = join(dir, 'home');
  mkdirSync(join(home, '.kube'), { recursive: true });
  kubeconfig('home/.kube/config', 'https://home:6443');
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('the flag wins over everything', () => {
    const r = loadKubeConfig({ kubeconfig: flag, env: { KUBECONFIG: env1, ...inCluster }, home });
    expect([r.source, server(r)]).toEqual(['flag', 'https://flag:6443']);
  });

  it('KUBECONFIG next: a path list merged in order, missing files skipped, first current-context kept', () => {
    const r = loadKubeConfig({
      env: { KUBECONFIG: `${join(dir, 'absent')}:${env1}:${env2}`, ...inCluster },
      home,
    });
    expect([r.source, r.from, server(r)]).toEqual(['KUBECONFIG', `${env1}:${env2}`, 'https://env1:6443']);
    expect(r.kubeConfig.getContexts().map((c) => c.name)).toEqual(['one', 'two']);
  });

  it('in-cluster when running in a pod', () => {
    // client-node reads the service address from the process environment itself.
    vi.stubEnv('KUBERNETES_SERVICE_HOST', inCluster.KUBERNETES_SERVICE_HOST);
    vi.stubEnv('KUBERNETES_SERVICE_PORT', inCluster.KUBERNETES_SERVICE_PORT);
    try {
      const r = loadKubeConfig({ env: inCluster, home });
      expect([r.source, server(r)]).toEqual(['in-cluster', 'https://10.96.0.1:443']);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('~/.kube/config last', () => {
    const r = loadKubeConfig({ env: {}, home });
    expect([r.source, server(r)]).toEqual(['home', 'https://home:6443']);
  });

  it('says what is wrong when nothing is usable', () => {
    expect(() => loadKubeConfig({ env: {}, home: join(dir, 'nobody') })).toThrow(
      /no Kubernetes configuration: give --kubeconfig, set KUBECONFIG, run in a pod, or create .*nobody\/\.kube\/config/,
    );
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} })).toThrow(
      /--kubeconfig .*missing/,
    );
    expect(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'missing') } })).toThrow(
      /none of its files exists/,
    );
    const noContext = kubeconfig('nocontext', 'https://x:6443', 'x', null);
    expect(() => loadKubeConfig({ kubeconfig: noContext, env: {} })).toThrow(/no current cluster/);
    writeFileSync(join(dir, 'garbage'), '{{{ not yaml');
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'garbage'), env: {} })).toThrow(
      /--kubeconfig .*garbage/,
    );
  });
});
