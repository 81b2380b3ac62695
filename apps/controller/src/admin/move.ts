/**
 * `bgplb-controller move --cluster NAMESPACE/NAME --from USER_KUBECONFIG --to ADMIN_KUBECONFIG`:
 * reads both clusters, plans (move-plan.ts), prints the plan as a diff, and with `--apply` writes
 * it: the objects are created in the admin cluster, then the user cluster's objects are handed
 * over (metadata only). Dry run by default; idempotent.
 */
import {
  addOptions,
  createCommand,
  isStatus,
  KubeClient,
  loadKubeConfig,
  namespacedNameArg,
  Option,
  parseCommand,
  paths,
  UsageError,
} from '@bgplb/kube-runtime';
import type { KubeObject } from '../types.js';
import { describeMove, type MoveStep, planMove } from './move-plan.js';
import { CLUSTER_API, GROUP_PATH, SYNCED_API_VERSION, SYNCED_KINDS } from './names.js';
import { userClusterRef } from './user-clusters.js';

export interface MoveOptions {
  cluster: string;
  from: string;
  to: string;
  /** The user cluster's namespace (default: the Cluster's `bgplb.io/user-namespace`, else its namespace). */
  userNamespace: string | undefined;
  apply: boolean;
}

interface Flags {
  cluster: string;
  from: string;
  to: string;
  userNamespace?: string;
  apply?: boolean;
}

function command() {
  const c = createCommand(
    'bgplb-controller move',
    "Moves a user cluster's NetworkGatewayGroup, BGPLoadBalancer and BGPPeer objects to the admin cluster\nand hands their ownership to the admin cluster's sync (bgplb-controller --mode admin).\nDry run by default: prints what it would do.",
  ).usage('--cluster <ns/name> --from <user kubeconfig> --to <admin kubeconfig> [--apply]');
  return addOptions(c, [
    new Option('--cluster <ns/name>', 'the Cluster in the admin cluster (namespace cluster-<name>)')
      .argParser(namespacedNameArg)
      .makeOptionMandatory(),
    new Option('--from <path>', "the user cluster's kubeconfig").makeOptionMandatory(),
    new Option('--to <path>', "the admin cluster's kubeconfig").makeOptionMandatory(),
    new Option(
      '--user-namespace <ns>',
      "the user cluster's namespace of the objects (default: the Cluster's namespace)",
    ),
    new Option('--apply', 'write the changes (without it: dry run)'),
  ]);
}

/** Parses `move`'s arguments (after the word `move`); 'help' for -h. Throws UsageError. */
export function parseMoveArgs(argv: readonly string[]): MoveOptions | 'help' {
  const parsed = parseCommand<Flags>(command(), argv);
  if ('help' in parsed) return 'help';
  const f = parsed.options;
  return {
    cluster: f.cluster,
    from: f.from,
    to: f.to,
    userNamespace: f.userNamespace,
    apply: f.apply === true,
  };
}

export function moveUsage(): string {
  return command().helpInformation();
}

async function listSynced(client: KubeClient, namespace: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const k of SYNCED_KINDS) {
    for await (const page of client.listPages<KubeObject>(
      paths.group(GROUP_PATH.group, GROUP_PATH.version, k.plural, namespace),
    )) {
      for (const item of page.items) out.push({ ...item, apiVersion: SYNCED_API_VERSION, kind: k.kind });
    }
  }
  return out;
}

function clientFor(path: string, which: string): KubeClient {
  try {
    return new KubeClient(loadKubeConfig({ kubeconfig: path }).kubeConfig, { timeoutMs: 15_000 });
  } catch (err) {
    throw new UsageError(`--${which}: ${(err as Error).message}`);
  }
}

/** Runs the move; resolves with the exit code (0 done or nothing to do, 1 conflicts or failures). */
export async function runMove(o: MoveOptions, out: (text: string) => void): Promise<number> {
  const [adminNamespace, clusterName] = o.cluster.split('/') as [string, string];
  const user = clientFor(o.from, 'from');
  const admin = clientFor(o.to, 'to');
  try {
    let cluster: KubeObject | undefined;
    try {
      cluster = await admin.get<KubeObject>(
        paths.group(CLUSTER_API.group, CLUSTER_API.version, CLUSTER_API.plural, adminNamespace, clusterName),
      );
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
    const ref = cluster === undefined ? undefined : userClusterRef({ ...cluster, kind: 'Cluster' });
    const userNamespace = o.userNamespace ?? ref?.targetNamespace ?? adminNamespace;
    const inputs = {
      user: await listSynced(user, userNamespace),
      admin: await listSynced(admin, adminNamespace),
      userNamespace,
      adminNamespace,
      clusterKey: o.cluster,
    };
    const steps = planMove(inputs);
    out(
      `Cluster ${o.cluster}: from the user cluster (namespace ${userNamespace}) to the admin cluster (namespace ${adminNamespace})\n`,
    );
    if (cluster === undefined)
      out(`warning: the admin cluster has no Cluster ${o.cluster}: the sync starts only once it exists\n`);
    else if (ref === undefined)
      out(
        `warning: Cluster ${o.cluster} is not synced (it needs spec.type: user, or the annotation bgplb.io/sync: "true", and bundled BGP load balancing)\n`,
      );
    if (steps.length === 0) {
      out(
        'Nothing to do: the admin cluster already holds these objects and owns them in the user cluster.\n',
      );
      return 0;
    }
    out(`${describeMove(steps, inputs)}\n`);
    const conflicts = steps.filter((s) => s.op === 'conflict');
    if (conflicts.length > 0) {
      out(`\n${conflicts.length} conflict(s): nothing was written.\n`);
      return 1;
    }
    if (!o.apply) {
      out(`\nDry run: nothing was written. Run again with --apply to make these ${steps.length} changes.\n`);
      return 0;
    }
    for (const s of steps) await applyStep(s, { admin, user, adminNamespace, userNamespace });
    out(
      `\nMoved: ${steps.filter((s) => s.op === 'create-in-admin').length} created in the admin cluster, ${steps.filter((s) => s.op === 'hand-over').length} handed over.\n`,
    );
    return 0;
  } finally {
    user.close();
    admin.close();
  }
}

async function applyStep(
  s: MoveStep,
  c: { admin: KubeClient; user: KubeClient; adminNamespace: string; userNamespace: string },
): Promise<void> {
  const plural = SYNCED_KINDS.find((k) => k.kind === s.kind)?.plural as string;
  if (s.op === 'create-in-admin') {
    await c.admin.create(
      paths.group(GROUP_PATH.group, GROUP_PATH.version, plural, c.adminNamespace),
      s.object,
    );
  } else if (s.op === 'hand-over') {
    // The uid precondition: never mark a same-named object that replaced the one planned.
    const patch = { metadata: { ...s.patch.metadata, ...(s.uid === undefined ? {} : { uid: s.uid }) } };
    await c.user.mergePatch(
      paths.group(GROUP_PATH.group, GROUP_PATH.version, plural, c.userNamespace, s.name),
      patch,
    );
  }
}
