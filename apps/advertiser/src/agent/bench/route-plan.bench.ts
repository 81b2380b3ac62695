/**
 * How long the agent needs to turn BGPAdvertisedRoutes into speaker calls at scale:
 * 10k routes x 3 next hops, the first plan (every object validated) and one changed object.
 *
 *   node --conditions=@bgplb/source --import tsx apps/advertiser/src/agent/bench/route-plan.bench.ts
 */
import { diffRoutes, pathsFingerprint, planRoutes } from '../route-plan.js';

const N = 10_000;
const routes = Array.from({ length: N }, (_, i) => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPAdvertisedRoute',
  metadata: { name: `default-default-svc${i}`, namespace: 'kube-system' },
  spec: {
    prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
    metric: 0,
    nextHops: ['10.0.1.10', '10.0.1.11', '10.0.1.12'],
    service: { namespace: 'default', name: `svc${i}` },
  },
}));

function ms(start: number): string {
  return `${(performance.now() - start).toFixed(1)} ms`;
}

let t = performance.now();
const first = planRoutes(routes);
const applied = new Map([...first.paths].map(([p, paths]) => [p, pathsFingerprint(paths)]));
console.log(`first plan of ${N} routes: ${ms(t)}`);

const samples: number[] = [];
for (let i = 0; i < 20; i++) {
  const j = (i * 499) % N;
  const r = routes[j]!;
  routes[j] = { ...r, spec: { ...r.spec, nextHops: i % 2 ? ['10.0.1.10'] : ['10.0.1.10', '10.0.1.11'] } };
  t = performance.now();
  const plan = planRoutes(routes);
  const diff = diffRoutes(applied, plan.paths);
  samples.push(performance.now() - t);
  for (const s of diff.set) applied.set(s.prefix, pathsFingerprint(s.paths));
}
samples.sort((a, b) => a - b);
console.log(
  `one changed route among ${N}: plan + diff p50 ${samples[10]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
);
console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
