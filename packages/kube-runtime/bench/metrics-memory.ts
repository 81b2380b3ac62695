/**
 * What one /metrics render leaves in memory, with a registry the size of the controller's at 10k
 * dual-stack Services (a gauge of 20k route series, as bgplb_route_next_hops):
 *
 *   pnpm --filter @bgplb/kube-runtime bench:metrics-memory     (BENCH_SERIES, BENCH_RENDERS)
 *
 * Compares, in this process and alternately, the health server's render as it is
 * (renderMetricsBytesInSlices: only the encoded bytes are kept) with the one before (the text
 * rendered as one string, then encoded, both kept between scrapes). Reported per render: the
 * memory the kept render still holds after a full collection (heap used + external), min / median
 * / max.
 */
import { Gauge, Registry } from 'prom-client';
import { renderMetricsBytesInSlices, renderMetricsInSlices } from '../src/metrics-render.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 20_000);
const RENDERS = Number(process.env.BENCH_RENDERS ?? 7);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (the package script does)');

const registry = new Registry();
const gauge = new Gauge({
  name: 'bgplb_route_next_hops',
  help: 'Next hops of each BGPAdvertisedRoute; 0 means the VIP has no path',
  labelNames: ['route', 'prefix'],
  registers: [registry],
});
for (let i = 0; i < SERIES; i++) {
  const v6 = i % 2 === 1;
  const n = i >> 1;
  gauge.set(
    {
      route: `default-default-svc-${n}${v6 ? '-ipv6' : ''}`,
      prefix: v6 ? `2001:db8:100::${n.toString(16)}/128` : `10.100.${n >> 8}.${n & 255}/32`,
    },
    16,
  );
}

const held = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

type Render = () => Promise<unknown>;
const variants: Record<string, Render> = {
  // Before: the text as one string, encoded once per render, both kept by the server between scrapes.
  'text + bytes (before)': async () => {
    const text = await renderMetricsInSlices(registry);
    return { text, bytes: Buffer.from(text, 'utf8') };
  },
  'bytes only (now)': () => renderMetricsBytesInSlices(registry),
};

const results: Record<string, number[]> = {};
let cached: unknown;
for (let round = 0; round < RENDERS; round++) {
  for (const [name, render] of Object.entries(variants)) {
    cached = undefined;
    gc();
    const base = held();
    cached = await render();
    gc();
    const kept = held() - base;
    results[name] = [...(results[name] ?? []), kept];
  }
}
void cached;

const mb = (b: number) => (b / 1048576).toFixed(2);
const mmm = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${mb(s[0]!)} / ${mb(s[Math.floor(s.length / 2)]!)} / ${mb(s[s.length - 1]!)}`;
};
process.stdout.write(
  `${JSON.stringify({ series: SERIES, renders: RENDERS, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { heldAfterGcMb: mmm(v) }])) })}\n`,
);
for (const [name, v] of Object.entries(results))
  process.stdout.write(`${name}: held after a full GC ${mmm(v)} MB (min / median / max of ${RENDERS})\n`);
