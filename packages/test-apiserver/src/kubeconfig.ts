import { stringify } from 'yaml';

/**
 * A kubeconfig for a plain-HTTP server without authentication (context and cluster `bgplb-test`).
 * `insecure-skip-tls-verify` is set because @kubernetes/client-node refuses `http://` servers
 * otherwise; kubectl ignores it for plain HTTP.
 */
export function kubeconfigYaml(server: string, namespace = 'default', token?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bgplb-test', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'bgplb-test', user: token === undefined ? {} : { token } }],
    contexts: [{ name: 'bgplb-test', context: { cluster: 'bgplb-test', user: 'bgplb-test', namespace } }],
    'current-context': 'bgplb-test',
    preferences: {},
  });
}
