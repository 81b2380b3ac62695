import { parseArgs } from 'node:util';
import { startTestApiServer, type TestApiServer } from './server.js';

export const USAGE = `Usage: bgplb-test-apiserver [--host 127.0.0.1] [--port 6443] [--crds DIR]... [--kubeconfig-out FILE]
                            [--history-limit N] [--initial-resource-version N] [--auto-create-namespaces]
                            [--rbac] [--service-account-kubeconfig NAMESPACE/NAME=FILE]...
                            [--node-monitor-grace-period SECONDS] [--verbose]

An in-memory Kubernetes API server for tests and the local lab (plain HTTP, no authentication).
--crds takes a directory of CRD YAML files (or one file) and may be repeated.
--initial-resource-version defaults to the current time in milliseconds, so that a restarted server
starts above the resourceVersions of the previous one and its clients re-list (410 Gone).
--rbac authorizes token and impersonated requests with the stored RBAC objects;
--service-account-kubeconfig writes a kubeconfig whose token is that ServiceAccount's.
--node-monitor-grace-period runs a node lifecycle controller: a Node whose heartbeats (its Lease in
kube-node-lease, or Ready's lastHeartbeatTime) stop for that long turns Unknown and unreachable.`;

/**
 * Parses the command line and starts the server; prints one JSON line with the URL on stdout.
 * Returns undefined after printing help.
 */
export async function runCli(
  argv: string[],
  out: (line: string) => void = (l) => console.log(l),
  err: (line: string) => void = (l) => console.error(l),
): Promise<TestApiServer | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      crds: { type: 'string', multiple: true, default: [] },
      'kubeconfig-out': { type: 'string' },
      'history-limit': { type: 'string' },
      'initial-resource-version': { type: 'string' },
      'auto-create-namespaces': { type: 'boolean', default: false },
      rbac: { type: 'boolean', default: false },
      'node-monitor-grace-period': { type: 'string' },
      'service-account-kubeconfig': { type: 'string', multiple: true, default: [] },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(USAGE);
    return undefined;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port: not a TCP port: ${values.port}`);
  const historyLimit = values['history-limit'] === undefined ? undefined : Number(values['history-limit']);
  if (historyLimit !== undefined && !(Number.isInteger(historyLimit) && historyLimit > 0)) {
    throw new Error(`--history-limit: not a positive integer: ${values['history-limit']}`);
  }
  // From the clock by default: a restarted server then starts above its previous incarnation's
  // resourceVersions, and informers that survived the restart get 410 Gone and re-list.
  const initial =
    values['initial-resource-version'] === undefined
      ? Date.now()
      : Number(values['initial-resource-version']);
  if (!Number.isSafeInteger(initial) || initial < 1) {
    throw new Error(
      `--initial-resource-version: not a positive integer: ${values['initial-resource-version']}`,
    );
  }
  const grace = values['node-monitor-grace-period'];
  if (grace !== undefined && !(/^\d+(\.\d+)?$/.test(grace) && Number(grace) > 0)) {
    throw new Error(`--node-monitor-grace-period: not a positive number of seconds: ${grace}`);
  }
  const server = await startTestApiServer({
    initialResourceVersion: initial,
    ...(grace !== undefined ? { nodeLifecycle: { gracePeriodSeconds: Number(grace) } } : {}),
    host: values.host,
    port,
    crds: values.crds,
    autoCreateNamespaces: values['auto-create-namespaces'],
    rbac: values.rbac,
    ...(historyLimit !== undefined ? { historyLimit } : {}),
    ...(values.verbose ? { log: err } : {}),
  });
  if (values['kubeconfig-out'] !== undefined) server.writeKubeconfig(values['kubeconfig-out']);
  for (const spec of values['service-account-kubeconfig']) {
    const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)=(.+)$/.exec(spec);
    if (m === null) {
      await server.close();
      throw new Error(`--service-account-kubeconfig: expected NAMESPACE/NAME=FILE, got ${spec}`);
    }
    server.writeKubeconfig(m[3]!, m[1]!, server.serviceAccountToken(m[1]!, m[2]!));
  }
  out(JSON.stringify({ msg: 'listening', url: server.url, kubeconfig: values['kubeconfig-out'] ?? null }));
  return server;
}
