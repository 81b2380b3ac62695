import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('main', () => {
  it('prints usage with the spec command line', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('bgpadvertiser --config FILE --advertise-ip IP');
    expect(r.out).toContain('bgpadvertiser validate FILE...');
    expect(r.out).toContain('bgpadvertiser preflight --cluster-config FILE');
  });

  it('prints the version', async () => {
    const r = await run(['--version']);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a message on a usage error', async () => {
    const r = await run(['--config', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bgpadvertiser: --advertise-ip IP is required');
  });

  it('exits 2 with file:line:col problems on a bad config', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'adv-main-'));
    const file = join(dir, 'bad.conf');
    writeFileSync(file, 'localIP: 10.0.0.1\nlocalASN: nope\npeers:\n- peerIP: 10.0.0.2\n  peerASN: 65002\n');
    try {
      const r = await run(['--config', file, '--advertise-ip', '10.0.0.8']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^${file}:2:11: localASN: `));
      const missing = await run(['--config', join(dir, 'none.conf'), '--advertise-ip', '10.0.0.8']);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('cannot read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dispatches preflight', async () => {
    const r = await run(['preflight', '--cluster-config', '/nonexistent/cluster.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('preflight: cannot read /nonexistent/cluster.yaml');
  });

  // The first `agent` command loads the agent and the Kubernetes client: seconds on a loaded machine.
  it('dispatches agent to src/agent (runAgent) with the remaining arguments', {
    timeout: 30_000,
  }, async () => {
    const r = await run(['agent', '--definitely-not-an-agent-option']);
    expect(r.code).toBe(2);
  });

  it('runs validate', async () => {
    const r = await run([
      'validate',
      new URL('../../../examples/bgpadvertiser.conf', import.meta.url).pathname,
    ]);
    expect(r.code).toBe(0);
  });
});
