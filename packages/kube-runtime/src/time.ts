/** Kubernetes' two timestamp formats. */

/** metav1.Time: RFC 3339 with second precision (`2026-01-02T03:04:05Z`), as the API server stores it. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime (Lease renewTime/acquireTime): RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
