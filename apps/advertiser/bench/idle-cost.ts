/**
 * Idle cost of the control-plane advertiser (issue 16): the single-file binary and `node dist/cli.js`
 * side by side, each with one Established session to FRR 8.4 in its own network namespaces: time
 * from process start to Established, and resident memory (VmRSS) after IDLE_S seconds idle. Forms
 * run at the same time (one lab each), so the machine's load is shared; RUNS rounds. The npm
 * form runs dist/cli.js through its shebang, as the installed command does (with the V8 flag the
 * binary bakes in); `node dist/cli.js` without it is the same-run baseline.
 * The `--cluster-config` form runs `node dist/cli.js` from a Cluster file (validated as `validate`
 * does, this node derived) instead of the advertiser config: the cost of ONE file for every node.
 * Needs root and FRR (prints why and exits 0 otherwise).
 *
 *   pnpm turbo run build --filter @bgplb/advertiser...   (the binary is built by the bench when stale)
 *   pnpm --filter @bgplb/advertiser bench:idle        # RUNS=3 IDLE_S=60
 *   FORMS=dist pnpm --filter @bgplb/advertiser bench:idle   # only the node dist/cli.js forms (no binary build)
 *   BASELINE_CLI=/tmp/old/dist/cli.js BASELINE_BINARY=/tmp/old-binary pnpm --filter @bgplb/advertiser bench:idle
 *       # an earlier build side by side with this one (copies made before rebuilding)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { AdvertiserProcess, CLI, frrNextHops, torAndNode } from '../test/e2e/harness.js';
import { ensureBinary } from '../test/e2e/single-binary.js';

const RUNS = Number(process.env.RUNS ?? 3);
const IDLE_S = Number(process.env.IDLE_S ?? 60);
const skip = labSkipReason();
if (skip) {
  console.log(`advertiser idle-cost bench skipped: ${skip}`);
  process.exit(0);
}

interface Form {
  name: string;
  cmd: string;
  args: string[];
  nodeOptions?: string;
  /** Configured from a Cluster file (`--cluster-config`) instead of `--config` + `--advertise-ip`. */
  cluster?: boolean;
  /** The single-file binary (its page cache is dropped before each round). */
  binary?: boolean;
}
// FORMS=dist: only the node dist/cli.js forms, so the binary is not built.
const onlyDist = process.env.FORMS === 'dist';
const BINARY = onlyDist ? '' : ensureBinary(); // builds it unless up to date (tsup's clean removes dist/bin)
const DIST_FORMS: Form[] = [
  // What `npm install -g` puts on PATH: dist/cli.js run through its shebang.
  { name: 'npm form (dist/cli.js, its shebang)', cmd: CLI, args: [] },
  { name: 'node dist/cli.js (no V8 flags)', cmd: process.execPath, args: [CLI] },
  { name: 'node dist/cli.js --cluster-config', cmd: process.execPath, args: [CLI], cluster: true },
];
// A build to compare with in the same run (a copy of an earlier dist/ and of its binary): the
// machine's load moves RSS and start-up times between runs, not within one.
const BASELINE_FORMS: Form[] = [
  ...(process.env.BASELINE_CLI
    ? [{ name: `baseline npm form (${process.env.BASELINE_CLI})`, cmd: process.env.BASELINE_CLI, args: [] }]
    : []),
  ...(process.env.BASELINE_BINARY && !onlyDist
    ? [
        {
          name: `baseline binary (${process.env.BASELINE_BINARY})`,
          cmd: process.env.BASELINE_BINARY,
          args: [],
        },
      ]
    : []),
];
const FORMS: Form[] = onlyDist
  ? [...DIST_FORMS, ...BASELINE_FORMS]
  : [
      ...DIST_FORMS,
      { name: 'binary', cmd: BINARY, args: [], binary: true },
      {
        name: 'binary, NODE_OPTIONS=--jitless',
        cmd: BINARY,
        args: [],
        nodeOptions: '--jitless',
        binary: true,
      },
      ...BASELINE_FORMS,
    ];

/** examples/02's shape for one node and one peer: what the --cluster-config form reads. */
const CLUSTER_FILE = `apiVersion: baremetal.cluster.gke.io/v1
kind: Cluster
metadata:
  name: bm
  namespace: cluster-bm
spec:
  clusterNetwork:
    advancedNetworking: true
  controlPlane:
    nodePoolSpec:
      nodes:
      - address: 10.0.1.10
  loadBalancer:
    mode: bundled
    type: bgp
    localASN: 65001
    bgpPeers:
    - ip: 10.0.1.254
      asn: 65002
    vips:
      controlPlaneVIP: 10.0.0.8
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
`;

function vmRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Math.round(Number(line[1]) / 102.4) / 10;
}

/** One run of one form in its own lab: start -> Established (ms) and RSS after IDLE_S (MiB). */
async function measure(form: Form): Promise<{ establishedMs: number; rssMiB: number }> {
  const lab = Lab.create('advidl');
  try {
    const { node, frr } = await torAndNode(lab);
    const conf = join(lab.workDir, 'bgpadvertiser.conf');
    writeFileSync(
      conf,
      'localIP: 10.0.1.10\nlocalASN: 65001\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n',
    );
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...(form.nodeOptions ? { NODE_OPTIONS: form.nodeOptions } : {}),
    };
    const cluster = join(lab.workDir, 'cluster.yaml');
    writeFileSync(cluster, CLUSTER_FILE);
    const source = form.cluster
      ? ['--cluster-config', cluster, '--no-check']
      : ['--config', conf, '--advertise-ip', '10.0.0.8'];
    const t0 = Date.now();
    const adv = new AdvertiserProcess(node.spawn(form.cmd, [...form.args, ...source], { env }));
    await adv.waitLog(/new=BGP_FSM_ESTABLISHED/, {}, 30_000);
    const establishedMs = Date.now() - t0;
    await waitFor(
      'the route at FRR',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
      10_000,
    );
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    // `ip netns exec` execs the command, so the child's pid is the advertiser's.
    const rssMiB = vmRssMiB(adv.child.pid ?? 0);
    if (adv.states('10.0.1.254').at(-1) !== 'BGP_FSM_ESTABLISHED')
      throw new Error(`${form.name}: session not Established after idle`);
    adv.signal('SIGTERM');
    await adv.exited;
    return { establishedMs, rssMiB };
  } finally {
    await lab.destroy();
  }
}

const results = new Map<string, { establishedMs: number[]; rssMiB: number[] }>(
  FORMS.map((f) => [f.name, { establishedMs: [], rssMiB: [] }]),
);
/**
 * Drops the page cache of each binary form's file (`dd iflag=nocache count=0`: this file only) before
 * a round. The file-backed part of a process's RSS depends on how its file got into the page cache:
 * the binary as build:binary has just written it maps about 15 MiB more of its own pages (88 against
 * 70 MiB, 2026-12-05) than the same file read back from disk or copied, as on a node after `docker
 * cp` and a copy. Measuring from disk is what a node runs.
 */
function dropPageCache(): void {
  for (const f of new Set(FORMS.filter((f) => f.binary).map((f) => f.cmd)))
    execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
}

for (let i = 0; i < RUNS; i++) {
  dropPageCache();
  const round = await Promise.all(FORMS.map((f) => measure(f)));
  round.forEach((r, j) => {
    const s = results.get(FORMS[j]?.name ?? '');
    s?.establishedMs.push(r.establishedMs);
    s?.rssMiB.push(r.rssMiB);
  });
}

const mmm = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]} / ${s[Math.floor((s.length - 1) / 2)]} / ${s.at(-1)}`;
};
console.log(
  `bgpadvertiser idle cost, 1 Established session to FRR, ${RUNS} runs, RSS after ${IDLE_S} s idle`,
);
if (!onlyDist)
  console.log(
    `size: binary ${(statSync(BINARY).size / 1e6).toFixed(1)} MB; dist/cli.js needs Node + node_modules`,
  );
console.log('| form | start -> Established ms (min / median / max) | RSS MiB (min / median / max) |');
console.log('|---|---|---|');
for (const [name, r] of results) console.log(`| ${name} | ${mmm(r.establishedMs)} | ${mmm(r.rssMiB)} |`);
