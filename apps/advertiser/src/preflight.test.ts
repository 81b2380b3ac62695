import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PreflightOptions } from './args.js';
import { type PreflightDependencies, renderTable, runPreflight, shellProbe } from './preflight.js';
import { type PeerScript, ScriptedSpeaker } from './test-support/scripted-speaker.js';

const example02 = new URL('../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url).pathname;
const example01 = new URL('../../../examples/01-same-peers-for-all-nodes.yaml', import.meta.url).pathname;

const devNull = new Writable({ write: (_c, _e, cb) => cb() });

async function preflight(
  scripts: Record<string, PeerScript>,
  extra: Partial<PreflightOptions> = {},
  deps: Partial<PreflightDependencies> = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const speaker = new ScriptedSpeaker(scripts);
  const started = Date.now();
  const code = await runPreflight(
    {
      command: 'preflight',
      clusterConfig: example01,
      timeoutMs: 3_000,
      logLevel: 'warn',
      logFormat: 'json',
      ...extra,
    },
    {
      output: { out: (l) => out.push(l), err: (l) => err.push(l) },
      createSpeaker: async () => speaker,
      localAddresses: () => ['127.0.0.1', '10.0.1.10'],
      logDestination: devNull,
      echoWaitMs: 300,
      ...deps,
    },
  );
  return { code, out, err, speaker, elapsed: Date.now() - started };
}

const rowOf = (out: string[], peer: string, check: string) =>
  out.find(
    (l) => l.startsWith('10.0.1.10') && l.includes(` ${peer} `) && new RegExp(`\\s${check}\\s`).test(l),
  );

describe('runPreflight', () => {
  it('passes when every peer establishes and keeps the route', async () => {
    const r = await preflight({});
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(
      'preflight: node 10.0.1.10, 2 peer(s), local ASN 65001, VIP 10.0.0.8/32, timeout 3s',
    );
    expect(r.out[1]).toMatch(/^NODE\s+PEER\s+PEER ASN\s+CHECK\s+RESULT\s+DETAIL$/);
    for (const peer of ['10.8.0.10', '10.8.0.11']) {
      for (const check of ['session', 'announce', 'accepted', 'withdraw']) {
        expect(rowOf(r.out, peer, check)).toMatch(/\sok\s/);
      }
    }
    expect(r.out.at(-1)).toMatch(/^preflight: PASS: all 2 peer\(s\) of node 10.0.1.10 passed in /);
    expect(r.speaker.configs.size).toBe(0);
    expect(r.speaker.shutdownMessage).toBe('bgpadvertiser preflight finished');
    expect(r.speaker.calls).toContain('setPaths 10.0.0.8/32 10.0.1.10 peers=10.8.0.10');
    expect(r.speaker.calls).toContain('withdraw 10.0.0.8/32 peers=10.8.0.11');
  });

  it.each([
    ['refused', 'session', 'TCP connection refused by 10.8.0.11:179'],
    ['bad-peer-as', 'session', 'OPEN rejected by the peer: NOTIFICATION 2/2 OPEN Message Error/Bad Peer AS'],
    ['hold-expired', 'session', 'hold timer expired before the session was Established'],
    ['refuse-route', 'accepted', 'route not accepted: the peer answered our UPDATE with NOTIFICATION 3/1'],
  ] as const)('reports %s on the failing peer only, fast', async (script, check, message) => {
    const r = await preflight({ '10.8.0.11': script });
    expect(r.code).toBe(1);
    expect(rowOf(r.out, '10.8.0.11', check)).toMatch(
      new RegExp(`FAIL\\s+${message.replace(/[()/.]/g, '\\$&')}`),
    );
    expect(rowOf(r.out, '10.8.0.10', 'accepted')).toMatch(/\sok\s/);
    expect(r.out.at(-1)).toMatch(/^preflight: FAIL: 1 of 2 peer\(s\) of node 10.0.1.10 failed \(10.8.0.11\)/);
    expect(r.elapsed).toBeLessThan(2_000);
  });

  it('reports a route the peer filtered (never advertised back), unless a probe decides', async () => {
    const r = await preflight({ '10.8.0.11': 'filter-route' });
    expect(r.code).toBe(1);
    expect(rowOf(r.out, '10.8.0.11', 'accepted')).toMatch(
      /FAIL\s+route not accepted: the peer did not advertise 10\.0\.0\.8\/32 back within 3\d\dms/,
    );
    expect(rowOf(r.out, '10.8.0.10', 'accepted')).toMatch(
      /ok\s+the peer advertised 10\.0\.0\.8\/32 back after \d+ms with \[\{Origin: i\} 65002 65001/,
    );
    const probed = await preflight(
      { '10.8.0.11': 'filter-route' },
      { probe: 'true' },
      { runProbe: async () => ({ ok: true, detail: '' }) },
    );
    expect(probed.code).toBe(0);
    expect(rowOf(probed.out, '10.8.0.11', 'accepted')).toMatch(
      /ok\s+no NOTIFICATION, but .* relying on --probe/,
    );
  });

  it('reports a connect timeout within the budget', async () => {
    const r = await preflight({ '10.8.0.10': 'silent' }, { timeoutMs: 1_000 });
    expect(r.code).toBe(1);
    expect(rowOf(r.out, '10.8.0.10', 'session')).toMatch(
      /FAIL\s+TCP connect timeout: no answer from 10.8.0.10:179 within 0\.\ds/,
    );
    expect(rowOf(r.out, '10.8.0.10', 'announce')).toMatch(/skip\s+no session/);
    expect(r.elapsed).toBeLessThan(1_800);
  });

  it('reports an UPDATE that is never sent', async () => {
    const r = await preflight({ '10.8.0.10': 'no-update' }, { timeoutMs: 1_000 });
    expect(rowOf(r.out, '10.8.0.10', 'announce')).toMatch(
      /FAIL\s+the UPDATE for 10.0.0.8\/32 was not sent before the deadline/,
    );
  });

  it('runs the probe with the VIP in its environment, and fails on an unreachable VIP', async () => {
    const seen: Array<Record<string, string>> = [];
    const ipCalls: string[] = [];
    const ok = await preflight(
      {},
      { probe: 'ping', vipInterface: 'lo' },
      {
        runProbe: async (_c, env) => {
          seen.push(env);
          return { ok: true, detail: '1 received' };
        },
        runCommand: async (cmd, args) => {
          ipCalls.push([cmd, ...args].join(' '));
          return '';
        },
      },
    );
    expect(ok.code).toBe(0);
    expect(seen[0]).toEqual({
      VIP: '10.0.0.8',
      VIP_PORT: '443',
      NODE_IP: '10.0.1.10',
      PEER_IP: '10.8.0.10',
      PEER_ASN: '65002',
    });
    expect(rowOf(ok.out, '10.8.0.10', 'probe')).toMatch(/ok\s+probe succeeded \(attempt 1\): 1 received/);
    expect(ipCalls).toEqual(['ip addr add 10.0.0.8/32 dev lo', 'ip addr del 10.0.0.8/32 dev lo']);

    const bad = await preflight(
      {},
      { probe: 'false', timeoutMs: 1_500 },
      { runProbe: async () => ({ ok: false, detail: 'exit 1: 0 received' }) },
    );
    expect(bad.code).toBe(1);
    expect(rowOf(bad.out, '10.8.0.10', 'probe')).toMatch(
      /FAIL\s+route not reachable: probe failed \d+ time\(s\); last: exit 1: 0 received/,
    );
  });

  it('finds the node from --node-ip and controlPlaneNodes', async () => {
    const r = await preflight({}, { clusterConfig: example02, nodeIp: '10.0.2.10' });
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain('node 10.0.2.10, 1 peer(s)');
    expect(r.out.some((l) => l.includes('10.0.2.254'))).toBe(true);
    expect(r.out.some((l) => l.includes('10.0.1.254'))).toBe(false);
  });

  it('refuses to run on a machine that is not a control-plane node', async () => {
    const r = await preflight({}, {}, { localAddresses: () => ['192.168.1.5'] });
    expect(r.code).toBe(2);
    expect(r.err[0]).toContain(
      'none of the control-plane node addresses (10.0.1.10, 10.0.1.11, 10.0.2.10) is on this machine',
    );
    const wrong = await preflight({}, { nodeIp: '10.9.9.9' });
    expect(wrong.code).toBe(2);
    expect(wrong.err[0]).toContain('--node-ip 10.9.9.9 is not a control-plane node');
  });

  it('exits 2 on an unreadable or invalid cluster config', async () => {
    const missing = await preflight({}, { clusterConfig: '/nonexistent/cluster.yaml' });
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toContain('cannot read /nonexistent/cluster.yaml');
    const advConf = new URL('../../../examples/bgpadvertiser.conf', import.meta.url).pathname;
    const invalid = await preflight({}, { clusterConfig: advConf });
    expect(invalid.code).toBe(2);
    expect(invalid.err.at(-1)).toContain('is not valid; fix it first');
  });

  it('exits 2 with file:line:col on a hostile --cluster-config (an alias bomb), without touching a peer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
    try {
      const bomb = join(dir, 'cluster.yaml');
      writeFileSync(
        bomb,
        'x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
      );
      const r = await preflight({}, { clusterConfig: bomb });
      expect(r.code).toBe(2);
      expect(r.err).toEqual([
        `${bomb}:3:37: YAML aliases expand to more than 1000 values (an alias bomb?); write the values out instead of repeating aliases`,
        `preflight: ${bomb} is not valid; fix it first (bgpadvertiser validate)`,
      ]);
      expect(r.speaker.configs.size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('renderTable', () => {
  it('aligns columns', () => {
    expect(
      renderTable([
        {
          node: '10.0.1.10',
          peer: '10.0.1.254',
          peerAsn: 65002,
          check: 'session',
          result: 'ok',
          detail: 'x',
        },
      ]),
    ).toEqual([
      'NODE       PEER        PEER ASN  CHECK    RESULT  DETAIL',
      '10.0.1.10  10.0.1.254  65002     session  ok      x',
    ]);
  });
});

describe('shellProbe', () => {
  it('runs sh -c with the environment and reports the exit and last line', async () => {
    expect(await shellProbe('echo "vip $VIP"', { VIP: '10.0.0.8' }, 2_000)).toEqual({
      ok: true,
      detail: 'exit 0: vip 10.0.0.8',
    });
    expect(await shellProbe('echo nope >&2; exit 3', {}, 2_000)).toEqual({
      ok: false,
      detail: 'exit 3: nope',
    });
    expect((await shellProbe('sleep 5', {}, 100)).detail).toBe('killed after 100ms');
  });
});
