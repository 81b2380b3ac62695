/**
 * `pnpm demo` (scripts/demo.sh): brings up topology 03 in network namespaces, creates a
 * LoadBalancer Service, prints the session table, the ToR's route for the VIP with its ECMP next
 * hops and the answers to requests sent to the VIP through the ToR, then keeps running until
 * Ctrl+C (or exits at once with --once) and tears everything down, also on failure.
 * Usage: tsx --conditions=@bgplb/source e2e/src/demo.ts [--once] [--dist] [--topology DIR]
 */
import { parseArgs } from 'node:util';
import { labSkipReason } from '@bgplb/netns-lab';
import { E2eLab } from './netns/e2e-lab.js';
import { sessionTable } from './session-table.js';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    topology: { type: 'string', default: '03-separate-control-and-data-plane' },
    service: { type: 'string', default: 'demo' },
  },
});

const t0 = Date.now();
const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
const say = (line: string): void => {
  process.stdout.write(`${stamp()} ${line}\n`);
};
const section = (title: string): void => {
  process.stdout.write(`\n== ${title}\n`);
};
/** Real kubectl in the ctl namespace; if kubectl is not installed, says so and prints the same columns itself. */
async function kubectl(lab: E2eLab, args: string[], fallback: () => string): Promise<string> {
  try {
    return await lab.kubectl(...args);
  } catch (err) {
    if (!/ENOENT|not found|No such file/i.test(String((err as Error).message))) throw err;
    return `${fallback()}\n(kubectl is not installed: the demo printed these columns itself from the objects)`;
  }
}

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');

async function main(): Promise<number> {
  const skip = labSkipReason();
  if (skip) {
    process.stderr.write(`demo: cannot run here: ${skip}\n`);
    return 2;
  }
  let lab: E2eLab | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say(`tearing down${lab ? ` lab ${lab.lab.id}` : ''} (processes, FRR, namespaces)...`);
      await lab?.down();
      say('done: nothing left behind');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    say(
      `bringing up topology ${values.topology} (FRR ToRs, test API server, controller, advertisers, agents)`,
    );
    lab = await E2eLab.up({ topology: values.topology, dist: values.dist, log: say });
    const tor = 'tor1';
    say(`creating LoadBalancer Service default/${values.service} (port 80)`);
    lab.createService(values.service);
    const current = lab;
    const vip = await current.waitFor(
      'a VIP in the Service status',
      () => current.serviceVIP(values.service),
      30_000,
    );
    say(`the controller allocated ${vip} from the address pool`);
    const prefix = `${vip}/32`;
    const nodes = current.loadBalancerNodeIPs();
    await current.waitFor(
      `${tor} to install ${prefix} with every load-balancer node as next hop`,
      async () => (await current.torFib(tor, prefix)).length >= nodes.length,
      45_000,
      200,
    );
    await current.waitFor(
      'every BGPSession Established',
      () => {
        const s = current.server.store.list('networking.gke.io/v1', 'BGPSession', {
          namespace: 'kube-system',
        });
        return (
          s.length > 0 &&
          s.every((x) => (x.status as { state?: string } | undefined)?.state === 'Established')
        );
      },
      30_000,
    );
    say('ready');

    section('BGP sessions of the Service peers: kubectl -n kube-system get bgpsessions');
    const sessions = await kubectl(current, ['-n', 'kube-system', 'get', 'bgpsessions'], () =>
      sessionTable(
        current.server.store.list('networking.gke.io/v1', 'BGPSession', { namespace: 'kube-system' }),
      ),
    );
    process.stdout.write(`${indent(sessions)}\n`);
    section(`The Service: kubectl get service ${values.service}`);
    process.stdout.write(
      `${indent(await kubectl(current, ['get', 'service', values.service], () => `${values.service} ${vip}`))}\n`,
    );
    section(`Advertised routes: kubectl -n kube-system get bgpadvertisedroutes`);
    process.stdout.write(
      `${indent(await kubectl(current, ['-n', 'kube-system', 'get', 'bgpadvertisedroutes'], () => prefix))}\n`,
    );
    section(`${tor} BGP paths for ${prefix} (vtysh: show bgp ipv4 unicast ${prefix})`);
    for (const p of await current.torPaths(tor, prefix)) {
      process.stdout.write(
        `   next hop ${p.nextHop.padEnd(12)} from session ${p.peer.padEnd(12)} path id ${String(p.pathId ?? '-').padEnd(3)} ${p.best ? 'best' : ''}${p.multipath ? ' multipath' : ''}\n`,
      );
    }
    section(`${tor} kernel route (ECMP): ip route show ${vip}`);
    process.stdout.write(`${indent(await current.torRouteText(tor, vip))}\n`);
    section(`20 requests from the client (192.168.10.100) to http://${vip}/ through ${tor}`);
    const r = await current.probe(vip, 80, 20);
    const who = Object.entries(r.responders)
      .map(([n, c]) => `${n} answered ${c}`)
      .join(', ');
    process.stdout.write(`   ${r.ok} ok, ${r.failed} failed: ${who}\n`);
    const cpVip = current.controlPlaneVIP;
    section(`Control-plane VIP ${cpVip}: ${tor} kernel route and 6 requests to ${cpVip}:443`);
    process.stdout.write(`${indent(await current.torRouteText(tor, cpVip))}\n`);
    const c = await current.probe(cpVip, 443, 6);
    process.stdout.write(
      `   ${c.ok} ok, ${c.failed} failed: ${Object.keys(c.responders).join(', ')} answered\n`,
    );
    process.stdout.write('\n');
    if (r.ok === 0) throw new Error(`no request to ${vip} succeeded: ${r.errors.join('; ')}`);
    if (values.once) return stop(0);
    say(`running; logs in ${current.lab.workDir}; press Ctrl+C to tear down`);
    await new Promise(() => {});
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    return stop(1);
  }
}

void main().then((code) => process.exit(code));
