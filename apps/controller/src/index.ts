/** The BGPSession name for a peer and node, as `kubectl get bgpsessions` shows it: `<peer>-<node>`. */
export function sessionName(peer: string, node: string): string {
  return `${peer}-${node}`;
}
