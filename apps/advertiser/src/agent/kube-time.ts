/** RFC 3339 with second precision, as Kubernetes writes timestamps (`2026-01-02T03:04:05Z`). */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
