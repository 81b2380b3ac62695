import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { spawnScript, spawnTestApiServer } from './spawn.js';
import { FIXTURE_CRDS } from './test-support/http.js';

describe('test API server in a process of its own (benchmarks)', () => {
  it('starts from source, serves its CRDs at the kubeconfig it wrote, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgplb-spawn-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const proc = await spawnTestApiServer({
      kubeconfigOut: kubeconfig,
      crds: FIXTURE_CRDS,
      autoCreateNamespaces: true,
      historyLimit: 10,
    });
    try {
      const url = parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server as string;
      expect(url).toMatch(/^https?:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/apis/networking.gke.io/v1/bgpsessions`)).status).toBe(200);
    } finally {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('rejects, naming the script, when it exits before it is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgplb-spawn-'));
    const script = join(dir, 'quits.ts');
    writeFileSync(script, "console.log('not the line');\nprocess.exit(3);\n");
    try {
      await expect(spawnScript(script, [], (l) => l === 'ready')).rejects.toThrow(
        `${script} exited (code 3) before it was ready`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
