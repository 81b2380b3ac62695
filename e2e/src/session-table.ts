import type { KubeObject } from '@bgplb/test-apiserver';

/** The columns of `kubectl get bgpsessions` (the CRD's printer columns), for machines without kubectl. */
export function sessionTable(items: KubeObject[], now = Date.now()): string {
  const rows = [['NAME', 'LOCAL ASN', 'PEER ASN', 'LOCAL IP', 'PEER IP', 'STATE', 'LAST REPORT']];
  for (const s of items) {
    const spec = (s.spec ?? {}) as Record<string, unknown>;
    const status = (s.status ?? {}) as { state?: string; lastReportTime?: string };
    const last = status.lastReportTime
      ? `${Math.max(0, Math.round((now - Date.parse(status.lastReportTime)) / 1000))}s`
      : '';
    rows.push([
      s.metadata.name ?? '',
      String(spec.localASN ?? ''),
      String(spec.peerASN ?? ''),
      String(spec.localIP ?? ''),
      String(spec.peerIP ?? ''),
      status.state ?? '',
      last,
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd((widths[i] ?? 0) + 3) : c)).join(''))
    .join('\n');
}
