import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { crdDirectory } from '@bgplb/api-types';
import { type KubeObject, startTestApiServer } from '@bgplb/test-apiserver';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunOptions } from './args.js';
import type { LiveSource } from './live/live-mode.js';
import { exampleCluster } from './live/test-cluster.js';
import { runAdvertiser } from './run.js';
import type { HostAddress } from './shared/host-addresses.js';
import type { SpeakerSource } from './speaker-config.js';
import { ScriptedSpeaker } from './test-support/scripted-speaker.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, peers: string[]): string {
  const p = join(dir, name);
  writeFileSync(
    p,
    `localIP: 21.0.101.64\nlocalASN: 4273481990\npeers:\n${peers.map((ip) => `- peerIP: ${ip}\n  peerASN: 4273481989\n`).join('')}`,
  );
  return p;
}

/** Run options; `config` is shorthand for the manual form `--config FILE --advertise-ip 10.0.0.8`. */
type HarnessOptions = Partial<Omit<RunOptions, 'source'>> &
  ({ config: string } | { source: SpeakerSource | LiveSource }) & {
    /** The host's addresses; a bare IP is on eth0. */
    hostAddresses?: () => Array<string | HostAddress>;
  };

function harness({ hostAddresses, ...input }: HarnessOptions) {
  const { config, source, ...options } = { config: undefined, source: undefined, ...input };
  const from: SpeakerSource | LiveSource = source ?? {
    kind: 'config',
    config: config as string,
    advertiseIps: ['10.0.0.8'],
  };
  const lines: Array<Record<string, unknown>> = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const signals = new EventEmitter();
  const speaker = new ScriptedSpeaker({});
  const ipCalls: string[] = [];
  const err: string[] = [];
  const done = runAdvertiser(
    {
      command: 'run',
      source: from,
      healthAddr: '127.0.0.1:0',
      logLevel: 'debug',
      logFormat: 'json',
      ...options,
    },
    {
      createSpeaker: async () => speaker,
      ...(hostAddresses
        ? {
            hostAddresses: () =>
              hostAddresses().map((a) => (typeof a === 'string' ? { ifname: 'eth0', ip: a } : a)),
          }
        : {}),
      logDestination,
      signals: signals as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
      output: { out: () => {}, err: (l) => err.push(l) },
      runCommand: async (cmd, args) => {
        ipCalls.push([cmd, ...args].join(' '));
        return '';
      },
    },
  );
  const waitLog = async (msg: string | RegExp, timeoutMs = 3000) => {
    const t0 = Date.now();
    for (;;) {
      const hit = lines.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
      if (hit) return hit;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`no log line ${msg}; got ${lines.map((l) => l.msg).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const countOf = (msg: string) => lines.filter((l) => l.msg === msg).length;
  const waitCount = async (msg: string, n: number, timeoutMs = 3000) => {
    const t0 = Date.now();
    while (countOf(msg) < n) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`fewer than ${n} log lines ${msg}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const base = async () => {
    const line = await waitLog(/^Health status HTTP server started at/);
    return `http://${line.address as string}`;
  };
  return { lines, signals, speaker, ipCalls, err, done, waitLog, waitCount, base };
}

describe('runAdvertiser', () => {
  it('logs the start-up story, serves readiness, and stops cleanly on SIGTERM', async () => {
    const h = harness({ config: configFile('a.conf', ['21.0.101.80']) });
    const base = await h.base();
    await h.waitLog('Route added');
    const msgs = () => h.lines.map((l) => l.msg);
    expect(msgs().slice(0, 4)).toEqual([
      'BGP advertiser started',
      expect.stringMatching(/^Health status HTTP server started at "127\.0\.0\.1:\d+"$/),
      'Peer added',
      'Route added',
    ]);
    expect(h.lines[0]).toMatchObject({
      advertiseIP: '10.0.0.8',
      localIP: '21.0.101.64',
      localASN: 4273481990,
    });
    await h.waitLog(/new=BGP_FSM_ESTABLISHED/);
    const states = h.lines.filter((l) => typeof l.new === 'string').map((l) => l.new);
    expect(states).toEqual([
      'BGP_FSM_CONNECT',
      'BGP_FSM_OPENSENT',
      'BGP_FSM_OPENCONFIRM',
      'BGP_FSM_ESTABLISHED',
    ]);
    await h.waitLog('sent update');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      announced: true,
      peers: [{ peer: '21.0.101.80', state: 'Established' }],
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('bgplb_bgp_session_up{peer="21.0.101.80"} 1');
    expect(metrics).toContain('bgplb_advertiser_vip_announced 1');

    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await h.done).toBe(0);
    expect(h.speaker.shutdownMessage).toBe('bgpadvertiser shutting down (SIGTERM)');
    // The withdrawal UPDATE goes out during the settle time, before the Cease (WITHDRAW_SETTLE_MS).
    expect(msgs().slice(-4)).toEqual([
      'Shutting down: withdrawing the VIP and closing the sessions',
      'Route withdrawn',
      'sent update',
      'BGP advertiser stopped',
    ]);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(h.signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('applies a SIGHUP reload and keeps running on a broken one', async () => {
    const file = configFile('b.conf', ['21.0.101.80', '21.0.101.81']);
    const h = harness({ config: file });
    const base = await h.base();
    await h.waitLog('Route added');
    configFile('b.conf', ['21.0.101.80', '21.0.101.82']);
    h.signals.emit('SIGHUP');
    const reloaded = await h.waitLog('Configuration reloaded');
    expect(reloaded).toMatchObject({
      added: ['21.0.101.82'],
      removed: ['21.0.101.81'],
      unchanged: ['21.0.101.80'],
    });
    expect([...h.speaker.configs.keys()]).toEqual(['21.0.101.80', '21.0.101.82']);

    writeFileSync(file, 'localIP: [\n');
    h.signals.emit('SIGHUP');
    const failed = await h.waitLog('configuration reload failed; keeping the running configuration');
    expect(String((failed.problems as string[])[0])).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    h.signals.emit('SIGINT', 'SIGINT');
    expect(await h.done).toBe(0);
    expect(h.speaker.shutdownMessage).toBe('bgpadvertiser shutting down (SIGINT)');
  });

  it('the 212-byte alias bomb: exit 2 with file:line:col at start; on SIGHUP the session and VIP stay', async () => {
    const bombText =
      'x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nlocalIP: 21.0.101.64\nlocalASN: 4273481990\npeers:\n- peerIP: 21.0.101.80\n  peerASN: 4273481989\n';
    const problem =
      ':3:37: YAML aliases expand to more than 1000 values (an alias bomb?); write the values out instead of repeating aliases';
    const atStart = join(dir, 'bomb-start.conf');
    writeFileSync(atStart, bombText);
    const refused = harness({ config: atStart });
    expect(await refused.done).toBe(2);
    expect(refused.err).toEqual([`${atStart}${problem}`]);

    const file = configFile('bomb-hup.conf', ['21.0.101.80']);
    const h = harness({ config: file });
    const base = await h.base();
    await h.waitLog('sent update');
    writeFileSync(file, bombText);
    h.signals.emit('SIGHUP');
    const failed = await h.waitLog('configuration reload failed; keeping the running configuration');
    expect(failed.problems).toEqual([`${file}${problem}`]);
    expect(h.lines.some((l) => l.msg === 'Route withdrawn' || l.level === 'fatal')).toBe(false);
    expect([...h.speaker.configs.keys()]).toEqual(['21.0.101.80']);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({
      ready: true,
      announced: true,
      peers: [{ peer: '21.0.101.80', state: 'Established' }],
    });
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await h.done).toBe(0);
  });

  it('health-gates the VIP and holds it on the interface', async () => {
    let status = 200;
    const server = createServer((_q, res) => {
      res.writeHead(status);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    try {
      const h = harness({
        config: configFile('c.conf', ['21.0.101.80']),
        vipInterface: 'lo',
        check: {
          url,
          intervalMs: 30,
          timeoutMs: 500,
          failureThreshold: 2,
          successThreshold: 1,
          insecure: false,
        },
      });
      const base = await h.base();
      await h.waitLog('Route added');
      expect(h.ipCalls).toEqual(['ip addr add 10.0.0.8/32 dev lo']);
      status = 500;
      const withdrawn = await h.waitLog('Route withdrawn');
      expect(withdrawn.reason).toBe('health check failed 2 times in a row (last: HTTP 500)');
      expect(h.ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
      expect(h.lines.filter((l) => l.msg === 'health check failed').length).toBeGreaterThanOrEqual(2);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('bgplb_advertiser_vip_announced 0');
      status = 200;
      await h.waitCount('Route added', 2);
      expect(h.ipCalls.at(-1)).toBe('ip addr add 10.0.0.8/32 dev lo');
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
      expect(h.ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('--on-exit graceful-restart: SIGTERM closes without withdrawing and keeps the VIP on the interface', async () => {
    const h = harness({
      config: configFile('gr.conf', ['21.0.101.80']),
      vipInterface: 'lo',
      onExit: 'graceful-restart',
    });
    await h.waitLog('Route added');
    expect(h.ipCalls.some((c) => /addr add 10\.0\.0\.8\/32 dev lo/.test(c))).toBe(true);
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await h.done).toBe(0);
    const msgs = h.lines.map((l) => l.msg);
    expect(msgs).toContain('Shutting down for a graceful restart: closing the sessions, keeping the VIP');
    expect(msgs).not.toContain('Route withdrawn');
    expect(h.ipCalls.filter((c) => / addr del /.test(c))).toEqual([]);
  });

  it('on an unexpected error, withdraws and closes like SIGTERM, and exits 1', async () => {
    const h = harness({ config: configFile('f.conf', ['21.0.101.80']) });
    await h.waitLog('Route added');
    h.signals.emit('uncaughtException', new Error('boom'));
    expect(await h.done).toBe(1);
    expect(h.lines.find((l) => l.level === 'fatal')?.msg).toBe('unexpected error: boom');
    expect(h.speaker.shutdownMessage).toBe('bgpadvertiser shutting down (internal error)');
    expect(h.signals.listenerCount('uncaughtException')).toBe(0);
  });

  it('exits 2 on an unreadable --check-ca and 1 when the health address is taken', async () => {
    const bad = harness({
      config: configFile('d.conf', ['21.0.101.80']),
      check: {
        url: 'https://x/',
        intervalMs: 1000,
        timeoutMs: 1000,
        failureThreshold: 1,
        successThreshold: 1,
        caFile: '/nonexistent/ca.crt',
        insecure: false,
      },
    });
    expect(await bad.done).toBe(2);
    expect(bad.err[0]).toContain('cannot read --check-ca /nonexistent/ca.crt');

    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const taken = harness({
        config: configFile('e.conf', ['21.0.101.80']),
        healthAddr: `127.0.0.1:${port}`,
      });
      expect(await taken.done).toBe(1);
      expect(taken.lines.at(-1)?.msg).toContain(`health server cannot listen on 127.0.0.1:${port}`);
      expect(taken.speaker.shutdownMessage).toBeDefined();
    } finally {
      blocker.close();
    }
  });

  describe('--cluster-config', () => {
    const example02 = readFileSync(
      new URL('../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url),
      'utf8',
    );
    const clusterFile = (name: string, text = example02): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cluster = (clusterConfig: string, nodeIp?: string): SpeakerSource =>
      nodeIp === undefined ? { kind: 'cluster', clusterConfig } : { kind: 'cluster', clusterConfig, nodeIp };

    it("runs --node-ip's share of the Cluster: its peers, localIP, localASN and the controlPlaneVIP", async () => {
      const file = clusterFile('cp-a.yaml');
      const h = harness({ source: cluster(file, '10.0.1.11') });
      await h.waitLog('Route added');
      expect(h.lines[0]).toMatchObject({
        msg: 'BGP advertiser started',
        config: file,
        cluster: 'Cluster/bm',
        node: '10.0.1.11',
        advertiseIP: '10.0.0.8',
        localIP: '10.0.1.11',
        localASN: 65001,
        peers: 1,
      });
      expect([...h.speaker.configs.values()]).toEqual([
        {
          id: '10.0.1.254',
          localAddress: '10.0.1.11',
          localAsn: 65001,
          peerAddress: '10.0.1.254',
          peerAsn: 65002,
          families: ['ipv4-unicast', 'ipv6-unicast'],
          routerId: '10.0.1.11',
        },
      ]);
      expect(await h.waitLog('Route added')).toMatchObject({ prefix: '10.0.0.8/32', nextHop: '10.0.1.11' });
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    });

    it("dual stack: the IPv6 VIP's next hop is the node's IPv6 address on its interface, found again on SIGHUP", {
      timeout: 30_000,
    }, async () => {
      const file = clusterFile(
        'cp-dual.yaml',
        example02.replace(
          'controlPlaneVIP: 10.0.0.8',
          'controlPlaneVIP: 10.0.0.8\n      controlPlaneVIPOtherFamily: 2001:db8::8',
        ),
      );
      let v6 = ['2001:db8:1::11'];
      const h = harness({
        source: cluster(file),
        hostAddresses: () => [
          { ifname: 'lo', ip: '127.0.0.1' },
          '10.0.1.11',
          ...v6,
          { ifname: 'eth0', ip: '2001:db8:1::ff', states: ['deprecated'] },
          { ifname: 'eth1', ip: '2001:db8:7::1' },
        ],
      });
      expect(await h.waitLog('BGP advertiser started', 10_000)).toMatchObject({
        node: '10.0.1.11',
        advertiseIP: '10.0.0.8 2001:db8::8',
        localIP: '10.0.1.11',
        localIPOtherFamily: '2001:db8:1::11',
      });
      await h.waitCount('Route added', 2, 10_000);
      expect(h.lines.filter((l) => l.msg === 'Route added').map((l) => [l.prefix, l.nextHop])).toEqual([
        ['10.0.0.8/32', '10.0.1.11'],
        ['2001:db8::8/128', '2001:db8:1::11'],
      ]);
      // The address moved (renumbered): SIGHUP finds the new one; the IPv4 session is not touched.
      v6 = ['2001:db8:1::12'];
      h.signals.emit('SIGHUP');
      expect(await h.waitLog('Configuration reloaded', 10_000)).toMatchObject({
        unchanged: ['10.0.1.254'],
        changed: [],
      });
      await h.waitCount('Route added', 3, 10_000);
      expect(h.lines.filter((l) => l.msg === 'Route added').at(-1)).toMatchObject({
        prefix: '2001:db8::8/128',
        nextHop: '2001:db8:1::12',
      });
      // None left: the IPv6 VIP is withdrawn, and the warning names the interface.
      v6 = [];
      h.signals.emit('SIGHUP');
      expect(await h.waitLog(/^VIP not announced/, 10_000)).toMatchObject({
        prefix: '2001:db8::8/128',
        msg: "VIP not announced: eth0 (the interface of the node address 10.0.1.11) has no global IPv6 address (2001:db8:1::ff is deprecated): the VIP is announced with this node's IPv6 address as next hop (give the interface one, or pass --node-ip-other-family)",
      });
      expect(await h.waitLog('Route withdrawn', 10_000)).toMatchObject({
        prefix: '2001:db8::8/128',
        reason: 'no next hop',
      });
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    });

    it('dual stack: several IPv6 addresses on the interface exit 2 naming them; --node-ip-other-family picks one', async () => {
      const file = clusterFile(
        'cp-dual-several.yaml',
        example02.replace(
          'controlPlaneVIP: 10.0.0.8',
          'controlPlaneVIP: 10.0.0.8\n      controlPlaneVIPOtherFamily: 2001:db8::8',
        ),
      );
      const host = () => ['10.0.1.11', '2001:db8:1::11', '2001:db8:1::12'];
      const several = harness({ source: cluster(file), hostAddresses: host });
      expect(await several.done).toBe(2);
      expect(several.err).toEqual([
        `bgpadvertiser: ${file}: eth0 (the interface of the node address 10.0.1.11) has several global IPv6 addresses (2001:db8:1::11, 2001:db8:1::12): pass --node-ip-other-family with the one the routers reach this node at (the next hop of the control-plane VIP 2001:db8::8)`,
      ]);
      const picked = harness({
        source: { kind: 'cluster', clusterConfig: file, nodeIpOtherFamily: '2001:db8:1::12' },
        hostAddresses: host,
      });
      expect(await picked.waitLog('BGP advertiser started', 10_000)).toMatchObject({
        localIPOtherFamily: '2001:db8:1::12',
      });
      picked.signals.emit('SIGTERM', 'SIGTERM');
      expect(await picked.done).toBe(0);
    });

    it("finds this node among the host's addresses", async () => {
      const h = harness({
        source: cluster(clusterFile('cp-b.yaml')),
        hostAddresses: () => ['127.0.0.1', '10.0.2.10'],
      });
      expect(await h.waitLog('BGP advertiser started')).toMatchObject({
        node: '10.0.2.10',
        localIP: '10.0.2.10',
      });
      await h.waitLog('Peer added');
      expect([...h.speaker.configs.keys()]).toEqual(['10.0.2.254']);
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    });

    it('exits 2 when the node is ambiguous, unknown, or the Cluster file is invalid', async () => {
      const file = clusterFile('cp-c.yaml');
      const several = harness({ source: cluster(file), hostAddresses: () => ['10.0.1.10', '10.0.1.11'] });
      expect(await several.done).toBe(2);
      expect(several.err).toEqual([
        `bgpadvertiser: ${file}: several control-plane node addresses of Cluster/bm are addresses of this host (10.0.1.10, 10.0.1.11); pass --node-ip`,
      ]);
      const none = harness({ source: cluster(file), hostAddresses: () => ['127.0.0.1'] });
      expect(await none.done).toBe(2);
      expect(none.err[0]).toContain('(10.0.1.10, 10.0.1.11, 10.0.2.10) is an address of this host');
      const other = harness({ source: cluster(file, '10.0.9.9') });
      expect(await other.done).toBe(2);
      expect(other.err).toEqual([
        `bgpadvertiser: ${file}: 10.0.9.9 is not a control-plane node of Cluster/bm (spec.controlPlane.nodePoolSpec.nodes: 10.0.1.10, 10.0.1.11, 10.0.2.10)`,
      ]);
      const bad = clusterFile(
        'cp-bad.yaml',
        example02.replace(
          'asn: 65002\n      controlPlaneNodes:\n      - 10.0.2.10',
          'asn: 65001\n      controlPlaneNodes:\n      - 10.0.2.10',
        ),
      );
      const invalid = harness({ source: cluster(bad, '10.0.2.10') });
      expect(await invalid.done).toBe(2);
      expect(invalid.err).toEqual([
        `${bad}:29:12: spec.loadBalancer.bgpPeers[1].asn: peer ASN 65001 equals localASN 65001: bgplb peers over eBGP only, iBGP is not supported`,
        `bgpadvertiser: ${bad} is not valid (bgpadvertiser validate ${bad} lists the same problems)`,
      ]);
      const missing = harness({ source: cluster(join(dir, 'absent.yaml'), '10.0.1.10') });
      expect(await missing.done).toBe(2);
      expect(missing.err[0]).toMatch(/^bgpadvertiser: .*absent\.yaml/);
    });

    it("is health-gated on the Cluster's readyz URL (ports.controlPlaneLBPort) unless --check-url says otherwise", async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as AddressInfo).port;
      blocker.close(); // a port where nothing listens: every check fails
      const text = example02.replace('    vips:', `    ports:\n      controlPlaneLBPort: ${port}\n    vips:`);
      const h = harness({
        source: cluster(clusterFile('cp-gated.yaml', text), '10.0.1.10'),
        check: { intervalMs: 30, timeoutMs: 500, failureThreshold: 1, successThreshold: 1, insecure: true },
      });
      const base = await h.base();
      expect(await h.waitLog('health check failed')).toMatchObject({
        url: `https://127.0.0.1:${port}/readyz`,
      });
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({
        announced: false,
        healthy: false,
      });
      expect(h.lines.some((l) => l.msg === 'Route added')).toBe(false);
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    });

    it("--on-exit drain takes the Cluster's drain settings under the flags given; SIGHUP updates them without touching a session", async () => {
      const drained = (delay: number) =>
        example02.replace(
          '    vips:',
          `    drainDelay: ${delay}\n    drainMEDIncrease: 700\n    drainASPathPrepend: 1\n    vips:`,
        );
      const file = clusterFile('cp-drain.yaml', drained(30));
      const h = harness({
        source: cluster(file, '10.0.1.10'),
        onExit: 'drain',
        exitDrain: { asPathPrepend: 3 },
      });
      await h.waitLog('Route added');
      expect(await h.waitLog('on SIGTERM: drain')).toMatchObject({
        delayMs: 30_000,
        medIncrease: 700,
        asPathPrepend: 3,
      });
      const callsBefore = h.speaker.calls.length;
      writeFileSync(file, drained(0));
      h.signals.emit('SIGHUP');
      expect(await h.waitLog("on SIGTERM: drain (the Cluster's drain settings changed)")).toMatchObject({
        delayMs: 0,
        medIncrease: 700,
        asPathPrepend: 3,
      });
      expect(await h.waitLog('Configuration reloaded', 10_000)).toMatchObject({ unchanged: ['10.0.1.254'] });
      // No session reset; a reload re-sets the same plain path (idempotent in the speaker).
      expect(h.speaker.calls.slice(callsBefore)).toEqual(['setPaths 10.0.0.8/32 10.0.1.10']);
      expect(h.speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '10.0.1.10', origin: 'igp' }]);
      // SIGTERM drains with the new settings: 0 s, so it is over within the plain budget.
      const drainPaths: unknown[] = [];
      const setPaths = h.speaker.setPaths.bind(h.speaker);
      h.speaker.setPaths = (prefix, paths, options) => {
        drainPaths.push(...paths);
        setPaths(prefix, paths, options);
      };
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
      expect(drainPaths).toEqual([
        expect.objectContaining({ nextHop: '10.0.1.10', med: 700, asPathPrepend: 3 }),
      ]);
      expect(h.lines.some((l) => l.msg === 'shutdown took too long; exiting anyway')).toBe(false);
    });

    it('SIGHUP re-reads the Cluster for the same node: peers follow, a VIP change or a broken file is refused', async () => {
      const file = clusterFile('cp-hup.yaml');
      const h = harness({ source: cluster(file), hostAddresses: () => ['10.0.1.10'] });
      await h.waitLog('Route added');
      // A second peer for 10.0.1.10 (and the node is no longer on this host: the node stays).
      writeFileSync(
        file,
        example02.replace(
          '    - ip: 10.0.2.254',
          '    - ip: 10.0.1.253\n      asn: 65003\n      controlPlaneNodes:\n      - 10.0.1.10\n    - ip: 10.0.2.254',
        ),
      );
      h.signals.emit('SIGHUP');
      expect(await h.waitLog('Configuration reloaded', 10_000)).toMatchObject({
        config: file,
        added: ['10.0.1.253'],
        removed: [],
        changed: [],
        unchanged: ['10.0.1.254'],
      });
      expect([...h.speaker.configs.keys()]).toEqual(['10.0.1.254', '10.0.1.253']);

      writeFileSync(file, example02.replace('controlPlaneVIP: 10.0.0.8', 'controlPlaneVIP: 10.0.0.9'));
      h.signals.emit('SIGHUP');
      expect(await h.waitLog('configuration reload failed; keeping the running configuration')).toMatchObject(
        {
          problems: [
            'controlPlaneVIP changed from 10.0.0.8 to 10.0.0.9: restart the advertiser to announce the new VIP',
          ],
        },
      );
      writeFileSync(file, example02.replace('    - address: 10.0.1.10\n', ''));
      h.signals.emit('SIGHUP');
      await h.waitCount('configuration reload failed; keeping the running configuration', 2);
      const failed = h.lines.filter(
        (l) => l.msg === 'configuration reload failed; keeping the running configuration',
      );
      expect(String(failed[1]?.problems)).toContain(`${file}:`);
      expect([...h.speaker.configs.keys()]).toEqual(['10.0.1.254', '10.0.1.253']);
      expect(h.lines.some((l) => l.msg === 'Route withdrawn')).toBe(false);
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    });
  });
});

describe('runAdvertiser in live mode (--cluster, test API server)', () => {
  const live = (extra: Partial<LiveSource>): LiveSource => ({
    kind: 'live',
    namespace: 'cluster-bm',
    name: 'bm',
    nodeIp: '10.0.1.11',
    nodeName: 'cp-b',
    lastGoodPath: join(dir, 'run-last-good.yaml'),
    ...extra,
  });

  it("runs the node's share of the Cluster from the API server, reports it on /readyz, ignores SIGHUP", async () => {
    const server = await startTestApiServer({
      crds: [crdDirectory],
      namespaces: ['default', 'kube-system', 'cluster-bm'],
    });
    try {
      server.store.create(exampleCluster() as KubeObject);
      const kubeconfig = join(dir, 'run-kubeconfig.yaml');
      server.writeKubeconfig(kubeconfig);
      const h = harness({ source: live({ kubeconfig }) });
      expect(await h.waitLog('Route added', 10_000)).toMatchObject({
        prefix: '10.0.0.8/32',
        nextHop: '10.0.1.11',
      });
      expect(h.lines.find((l) => l.msg === 'BGP advertiser started')).toMatchObject({
        config: 'cluster-bm/bm',
        cluster: 'Cluster/bm',
        node: '10.0.1.11',
        localIP: '10.0.1.11',
        peers: 1,
      });
      const ready = await (await fetch(`${await h.base()}/readyz`)).json();
      expect(ready).toMatchObject({
        live: { cluster: 'cluster-bm/bm', source: 'api-server', generation: 1 },
      });
      expect(readFileSync(join(dir, 'run-last-good.yaml'), 'utf8')).toContain('controlPlaneVIP: 10.0.0.8');
      h.signals.emit('SIGHUP');
      await h.waitLog('SIGHUP ignored in live mode: the Cluster object is the configuration');
      h.signals.emit('SIGTERM', 'SIGTERM');
      expect(await h.done).toBe(0);
    } finally {
      await server.close();
    }
  }, 20_000);

  it('exits 2 with the reason when there are no credentials', async () => {
    const h = harness({ source: live({ kubeconfig: join(dir, 'no-such-kubeconfig.yaml') }) });
    expect(await h.done).toBe(2);
    expect(h.err).toEqual([expect.stringMatching(/^bgpadvertiser: .*no-such-kubeconfig\.yaml/)]);
  });
});
