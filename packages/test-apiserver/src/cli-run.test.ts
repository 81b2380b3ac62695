import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, USAGE } from './cli-run.js';
import { FIXTURE_CRDS } from './test-support/http.js';

describe('bgplb-test-apiserver CLI', () => {
  it('starts a server, writes a kubeconfig and prints its URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgplb-cli-'));
    const out: string[] = [];
    const logs: string[] = [];
    const kubeconfig = join(dir, 'kc.yaml');
    const server = await runCli(
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--crds',
        FIXTURE_CRDS,
        '--kubeconfig-out',
        kubeconfig,
        '--history-limit',
        '5',
        '--verbose',
      ],
      (l) => out.push(l),
      (l) => logs.push(l),
    );
    try {
      const line = JSON.parse(out[0]!);
      expect(line).toEqual({ msg: 'listening', url: server!.url, kubeconfig });
      const kc = parse(readFileSync(kubeconfig, 'utf8'));
      expect(kc.clusters[0].cluster.server).toBe(server!.url);
      const res = await fetch(`${server!.url}/apis/networking.gke.io/v1/bgpsessions`);
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
      expect(logs.some((l) => l.startsWith('GET /apis/networking.gke.io/v1/bgpsessions 200'))).toBe(true);
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints help and refuses bad arguments', async () => {
    const out: string[] = [];
    expect(await runCli(['--help'], (l) => out.push(l))).toBeUndefined();
    expect(out).toEqual([USAGE]);
    await expect(runCli(['--port', '99999'])).rejects.toThrow(/not a TCP port/);
    await expect(runCli(['--history-limit', '0'])).rejects.toThrow(/not a positive integer/);
    await expect(runCli(['--initial-resource-version', 'x'])).rejects.toThrow(/not a positive integer/);
    await expect(runCli(['--node-monitor-grace-period', '0'])).rejects.toThrow(/positive number of seconds/);
    const lifecycle = await runCli(['--node-monitor-grace-period', '40'], () => {});
    await lifecycle?.close();
    await expect(runCli(['--bogus'])).rejects.toThrow(/Unknown option/);
    await expect(runCli(['--crds', '/nonexistent/dir'])).rejects.toThrow(/ENOENT/);
  });

  it('starts resourceVersions from the clock unless told otherwise', async () => {
    const before = Date.now();
    const clock = await runCli([], () => {});
    const fixed = await runCli(['--initial-resource-version', '77'], () => {});
    try {
      expect(clock!.store.resourceVersion).toBeGreaterThanOrEqual(before);
      expect(fixed!.store.resourceVersion).toBeGreaterThanOrEqual(77);
      expect(fixed!.store.resourceVersion).toBeLessThan(100);
    } finally {
      await clock?.close();
      await fixed?.close();
    }
  });

  it('writes ServiceAccount kubeconfigs and enforces RBAC when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgplb-cli-sa-'));
    const file = join(dir, 'agent.yaml');
    const server = await runCli(
      ['--rbac', '--service-account-kubeconfig', `kube-system/agent=${file}`],
      () => {},
    );
    try {
      const kc = parse(readFileSync(file, 'utf8'));
      expect(kc.contexts[0].context.namespace).toBe('kube-system');
      const res = await fetch(`${server!.url}/api/v1/nodes`, {
        headers: { Authorization: `Bearer ${kc.users[0].user.token}` },
      });
      expect(res.status).toBe(403);
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(runCli(['--service-account-kubeconfig', 'bad'], () => {})).rejects.toThrow(
      /NAMESPACE\/NAME=FILE/,
    );
  });

  it('auto-creates namespaces when asked', async () => {
    const server = await runCli(['--auto-create-namespaces'], () => {});
    try {
      const res = await fetch(`${server!.url}/api/v1/namespaces/fresh/services`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's' },
          spec: { ports: [{ port: 80 }] },
        }),
      });
      expect(res.status).toBe(201);
      expect(server!.store.get('v1', 'Namespace', 'fresh')).toBeDefined();
    } finally {
      await server?.close();
    }
  });
});
