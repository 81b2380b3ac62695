import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type PreflightOptions, parseCommandLine } from './args.js';
import { runPreflightAgent } from './preflight/agent.js';
import type { AgentChannel, AgentExit, CommandResult, NodeRunner } from './preflight/node-runner.js';
import type { PreflightNode } from './preflight/plan.js';
import type { AgentMessage, AgentRequest } from './preflight/protocol.js';
import { binaryToCopy, type PreflightDependencies, runPreflight, shellProbe } from './preflight.js';
import type { AddressManager } from './shared/ip-addresses.js';
import { type PeerScript, ScriptedSpeaker } from './test-support/scripted-speaker.js';

const dir = mkdtempSync(join(tmpdir(), 'preflight-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The VIP is a loopback address, so the in-process agents' responders and probes really talk TCP.
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const CLUSTER = `apiVersion: baremetal.cluster.gke.io/v1
kind: Cluster
metadata:
  name: bm
  namespace: cluster-bm
spec:
  controlPlane:
    nodePoolSpec:
      nodes:
      - address: 10.0.1.10
      - address: 10.0.1.11
  loadBalancer:
    mode: bundled
    type: bgp
    localASN: 65001
    bgpPeers:
    - ip: 10.8.0.10
      asn: 65002
      controlPlaneNodes: [10.0.1.10]
    - ip: 10.8.0.11
      asn: 65002
      controlPlaneNodes: [10.0.1.11]
    ports:
      controlPlaneLBPort: ${PORT}
    vips:
      controlPlaneVIP: 127.0.0.8
    addressPools:
    - name: pool1
      addresses:
      - 10.0.0.1-10.0.0.4
---
apiVersion: networking.gke.io/v1
kind: NetworkGatewayGroup
metadata:
  name: default
  namespace: cluster-bm
spec:
  floatingIPs:
  - 10.0.1.100
---
apiVersion: baremetal.cluster.gke.io/v1
kind: NodePool
metadata:
  name: workers
  namespace: cluster-bm
spec:
  clusterName: bm
  nodes:
  - address: 10.0.3.10
`;
const clusterFile = join(dir, 'cluster.yaml');
writeFileSync(clusterFile, CLUSTER);

/** Addresses held in memory, as `ip addr` would. */
function memoryAddresses(): Pick<AddressManager, 'list' | 'add' | 'remove'> & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    list: async () =>
      [...held].map((k) => ({
        ifname: k.split(' ')[0] as string,
        ip: k.split(' ')[1] as string,
        prefixLen: 32,
        up: true,
      })),
    add: async ({ ip, ifname }) => !held.has(`${ifname} ${ip}`) && Boolean(held.add(`${ifname} ${ip}`)),
    remove: async ({ ip, ifname }) => held.delete(`${ifname} ${ip}`),
  };
}

interface FakeNodes {
  runner: NodeRunner;
  commands: string[];
  addresses: Map<string, ReturnType<typeof memoryAddresses>>;
  agentsRunning: () => number;
}

/**
 * A NodeRunner whose agents run in this process (real agent code, scripted speaker, addresses in
 * memory). `probeVip` sends a node's probes elsewhere (a node without a route to the VIP).
 */
function fakeNodes(
  opts: {
    scripts?: Record<string, PeerScript>;
    failCopy?: string[];
    /** Nodes where the agent cannot start (exit 127, as a missing binary). */
    noAgent?: string[];
    probeVip?: Record<string, string>;
    onRequest?: (node: PreflightNode, req: AgentRequest) => void;
  } = {},
): FakeNodes {
  const commands: string[] = [];
  const addresses = new Map<string, ReturnType<typeof memoryAddresses>>();
  let running = 0;
  const runner: NodeRunner = {
    run: async (node, words): Promise<CommandResult> => {
      commands.push(`${node.name}: ${words.join(' ')}`);
      if (opts.failCopy?.includes(node.name) && words[0] === 'dd')
        return { ok: false, detail: 'exit 255: ssh: connect to host: Connection refused' };
      return { ok: true, detail: 'exit 0' };
    },
    agent: (node): AgentChannel => {
      if (opts.noAgent?.includes(node.name)) {
        return {
          send: () => undefined,
          messages: [],
          onMessage: () => undefined,
          exited: Promise.resolve({
            code: 127,
            signal: null,
            stderr: 'sh: 1: /tmp/bgpadvertiser: not found',
          }),
          kill: () => undefined,
          end: () => undefined,
        };
      }
      const input = new PassThrough();
      const output = new PassThrough();
      const messages: AgentMessage[] = [];
      const listeners: Array<(m: AgentMessage) => void> = [];
      createInterface({ input: output }).on('line', (l) => {
        const m = JSON.parse(l) as AgentMessage;
        messages.push(m);
        for (const f of listeners) f(m);
      });
      const mem = addresses.get(node.name) ?? memoryAddresses();
      addresses.set(node.name, mem);
      running++;
      const exited: Promise<AgentExit> = runPreflightAgent({
        input,
        output,
        createSpeaker: async () => new ScriptedSpeaker(opts.scripts ?? {}),
        addresses: mem,
        lifetimeMs: 20_000,
      }).then((code) => {
        running--;
        return { code, signal: null, stderr: '' };
      });
      return {
        send: (req) => {
          opts.onRequest?.(node, req);
          const r =
            req.op === 'probe' && opts.probeVip?.[node.name]
              ? { ...req, vip: opts.probeVip[node.name] as string }
              : req;
          input.write(`${JSON.stringify(r)}\n`);
        },
        messages,
        onMessage: (l) => listeners.push(l),
        exited,
        kill: () => input.end(),
        end: () => input.end(),
      };
    },
  };
  return { runner, commands, addresses, agentsRunning: () => running };
}

async function preflight(args: string[], deps: Partial<PreflightDependencies> = {}, nodes = fakeNodes()) {
  const out: string[] = [];
  const err: string[] = [];
  const logDir = mkdtempSync(join(dir, 'log-'));
  const parsed = parseCommandLine([
    'preflight',
    '--cluster-config',
    clusterFile,
    '--log-dir',
    logDir,
    '--agent-binary',
    clusterFile,
    '--node-name',
    '10.0.1.10=cp1',
    '--node-name',
    '10.0.1.11=cp2',
    '--reach-timeout',
    '1500ms',
    '--session-timeout',
    '1s',
    ...args,
  ]) as PreflightOptions;
  const started = Date.now();
  const code = await runPreflight(parsed, {
    output: { out: (l) => out.push(l), err: (l) => err.push(l) },
    runner: nodes.runner,
    handleSignals: false,
    echoWaitMs: 100,
    ...deps,
  });
  const logFile = join(logDir, 'preflight.jsonl');
  const log = (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, out, err, log, nodes, ms: Date.now() - started };
}

const rowOf = (out: string[], node: string) => out.find((l) => l.startsWith(`${node} `)) ?? '';

describe('runPreflight (agents in process)', () => {
  it('passes: every node x peer Established, announced, reachable from every other node, cleaned up', async () => {
    const r = await preflight([]);
    expect(r.err.filter((l) => !l.includes('->'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(
      /^preflight: 2 node x peer check\(s\), 3 node\(s\), local ASN 65001, VIP 127\.0\.0\.8:\d+, log /,
    );
    expect(r.out[1]).toMatch(/^NODE\s+PEER\s+SESSION\s+ANNOUNCED\s+REACHABLE\s+ECHOED\s+CLEANUP\s+RESULT$/);
    expect(rowOf(r.out, 'cp1')).toMatch(
      /^cp1 \(10\.0\.1\.10\)\s+10\.8\.0\.10 AS65002\s+ok\s+ok\s+2\/2\s+yes\s+ok\s+PASS$/,
    );
    expect(rowOf(r.out, 'cp2')).toMatch(/10\.8\.0\.11 AS65002\s+ok\s+ok\s+2\/2\s+yes\s+ok\s+PASS$/);
    expect(r.out.at(-1)).toMatch(/^preflight: PASS: all 2 node x peer check\(s\) passed in /);
    // copied to all three nodes (the worker of the NodePool too), made executable, removed
    const copies = r.nodes.commands.filter((c) =>
      / dd of=\/tmp\/bgpadvertiser-preflight-[0-9a-f]{8}-[\w.]+ bs=1M status=none$/.test(c),
    );
    expect(copies.map((c) => c.split(':')[0]).sort()).toEqual(['10.0.3.10', 'cp1', 'cp2']);
    expect(r.nodes.commands.filter((c) => / rm -f \/tmp\/bgpadvertiser-preflight-/.test(c))).toHaveLength(3);
    for (const mem of r.nodes.addresses.values()) expect([...mem.held]).toEqual([]);
    expect(r.nodes.agentsRunning()).toBe(0);
    expect(r.log.map((e) => e.type)).toEqual(
      expect.arrayContaining(['plan', 'copy', 'agent', 'reach', 'step', 'row', 'remove', 'summary']),
    );
    expect(r.log.filter((e) => e.type === 'row').map((e) => e.result)).toEqual(['PASS', 'PASS']);
  }, 20_000);

  it('passes with "echoed: no" against a peer that never sends the route back', async () => {
    const r = await preflight([], {}, fakeNodes({ scripts: { '10.8.0.10': 'filter-route' } }));
    expect(r.code).toBe(0);
    expect(rowOf(r.out, 'cp1')).toMatch(/ok\s+ok\s+2\/2\s+no\s+ok\s+PASS$/);
  }, 20_000);

  it('names the reason of a session that fails: OPEN rejected, TCP refused, hold timer, timeout', async () => {
    const r = await preflight(
      [],
      {},
      fakeNodes({ scripts: { '10.8.0.10': 'bad-peer-as', '10.8.0.11': 'refused' } }),
    );
    expect(r.code).toBe(1);
    const i = r.out.findIndex((l) => l.startsWith('cp1 '));
    expect(r.out[i]).toMatch(/FAIL\s+-\s+-\s+-\s+ok\s+FAIL$/);
    expect(r.out[i + 1]).toBe(
      '    session: OPEN rejected by the peer: NOTIFICATION 2/2 OPEN Message Error/Bad Peer AS',
    );
    expect(r.out).toContain(
      '    session: TCP connection refused by 10.8.0.11:179 (no BGP listener, or it refuses our address)',
    );
    expect(r.out.at(-1)).toMatch(
      /^preflight: FAIL: 2 of 2 node x peer check\(s\) failed \(cp1\/10\.8\.0\.10, cp2\/10\.8\.0\.11\)/,
    );

    const h = await preflight(
      [],
      {},
      fakeNodes({ scripts: { '10.8.0.10': 'hold-expired', '10.8.0.11': 'silent' } }),
    );
    expect(h.out).toContain(
      '    session: hold timer expired before the session was Established (the peer stopped answering)',
    );
    expect(h.out).toContain('    session: TCP connect timeout: no answer from 10.8.0.11:179 within 1s');
  }, 20_000);

  it('names the nodes that cannot reach the VIP, and why', async () => {
    const r = await preflight([], {}, fakeNodes({ probeVip: { '10.0.3.10': '127.0.0.9' } }));
    expect(r.code).toBe(1);
    expect(rowOf(r.out, 'cp1')).toMatch(/ok\s+ok\s+1\/2\s+yes\s+ok\s+FAIL$/);
    expect(r.out).toContainEqual(
      expect.stringMatching(
        /^ {4}reachable: 127\.0\.0\.8:\d+ not reachable from 1 of 2 node\(s\): 10\.0\.3\.10: connection refused \(\d+ attempts\)$/,
      ),
    );
  }, 20_000);

  it('reports a node the binary cannot be copied to, on its own steps and as an observer', async () => {
    const r = await preflight([], {}, fakeNodes({ failCopy: ['cp2'] }));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '    session: copying the binary to ' +
        (r.nodes.commands
          .find((c) => c.startsWith('cp2: dd'))
          ?.split('of=')[1]
          ?.split(' ')[0] ?? '') +
        ' failed: exit 255: ssh: connect to host: Connection refused',
    );
    expect(r.out).toContainEqual(
      expect.stringContaining('cp2 (10.0.1.11): the check did not run (copying the binary'),
    );
    expect(r.nodes.commands.filter((c) => / rm -f /.test(c))).toHaveLength(3);
  }, 20_000);

  it('reports an agent that cannot start, on its own step and as an observer', async () => {
    const r = await preflight([], {}, fakeNodes({ noAgent: ['cp2'] }));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '    session: the agent on cp2 (10.0.1.11) exited (exit 127): sh: 1: /tmp/bgpadvertiser: not found',
    );
    expect(r.out).toContainEqual(
      expect.stringContaining(
        'cp2 (10.0.1.11): the check did not run (exit 127: sh: 1: /tmp/bgpadvertiser: not found)',
      ),
    );
  }, 20_000);

  it('runs --probe on the workstation with the VIP in its environment', async () => {
    const seen: Array<Record<string, string>> = [];
    const r = await preflight(['--probe', 'check', '--node-ip', '10.0.1.10'], {
      runProbe: async (_c, env) => {
        seen.push(env);
        return { ok: false, detail: 'exit 1: nope' };
      },
    });
    expect(r.code).toBe(1);
    expect(seen[0]).toEqual({
      VIP: '127.0.0.8',
      VIP_PORT: String(PORT),
      NODE_IP: '10.0.1.10',
      NODE_NAME: 'cp1',
      PEER_IP: '10.8.0.10',
      PEER_ASN: '65002',
    });
    expect(r.out[1]).toMatch(/\sPROBE\s+CLEANUP\s+RESULT$/);
    expect(r.out).toContainEqual(
      expect.stringMatching(/^ {4}probe: --probe failed \d+ time\(s\); last: exit 1: nope$/),
    );
  }, 20_000);

  it('on an interrupt: cleans up every node, marks what did not run, exits 130', async () => {
    const abort = new AbortController();
    const nodes = fakeNodes({
      onRequest: (_n, req) => {
        if (req.op === 'announce') setTimeout(() => abort.abort(), 5);
      },
    });
    const r = await preflight([], { abort: abort.signal }, nodes);
    expect(r.code).toBe(130);
    expect(r.out).toContain('    not run: interrupted');
    expect(rowOf(r.out, 'cp1')).toMatch(/ok\s+FAIL$/);
    for (const mem of nodes.addresses.values()) expect([...mem.held]).toEqual([]);
    expect(nodes.agentsRunning()).toBe(0);
    expect(nodes.commands.filter((c) => / rm -f /.test(c))).toHaveLength(3);
  }, 20_000);

  it('refuses what it cannot run before touching a node', async () => {
    const nodes = fakeNodes();
    const bad = await preflight(['--node-ip', '10.0.3.10'], {}, nodes);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(
      /--node-ip 10\.0\.3\.10 is not a control-plane node of the cluster \(control-plane nodes: 10\.0\.1\.10, 10\.0\.1\.11\)/,
    );
    expect(nodes.commands).toEqual([]);
  });
});

describe('binaryToCopy', () => {
  it('is --agent-binary, else this executable when it is the single-file binary, else dist/bin', () => {
    expect(binaryToCopy({ agentBinary: clusterFile }, false)).toEqual({ file: clusterFile });
    expect(binaryToCopy({ agentBinary: dir }, false)).toEqual({
      error: `--agent-binary ${dir} is not a file`,
    });
    expect(binaryToCopy({ agentBinary: '/nonexistent' }, false)).toEqual({
      error: '--agent-binary /nonexistent: ENOENT',
    });
    expect(binaryToCopy({}, true)).toEqual({ file: process.execPath });
    writeFileSync(join(dir, `bgpadvertiser-linux-${process.arch}`), '');
    expect(binaryToCopy({}, false, join(dir, 'none'))).toMatchObject({
      error: expect.stringContaining(
        'build it (pnpm --filter @bgplb/advertiser build:binary), pass --agent-binary FILE, or --no-copy-binary',
      ),
    });
  });
});

describe('shellProbe', () => {
  it('passes the environment, reports the last line, kills on timeout', async () => {
    expect(await shellProbe('echo $VIP; exit 0', { VIP: '10.0.0.8' }, 2_000)).toEqual({
      ok: true,
      detail: 'exit 0: 10.0.0.8',
    });
    expect(await shellProbe('sleep 5', {}, 100)).toEqual({ ok: false, detail: 'killed after 100ms' });
  });
});
