/**
 * The /metrics text of a registry, one metric per event-loop turn. `registry.metrics()` collects
 * and formats every metric in one go: the node agent's registry (sessions, routes, next hops,
 * process and Node metrics) took 10-15 ms of CPU per render under issue 21's load, in one turn.
 * Here each metric's collect and formatting get a turn of their own, so timers run in between.
 * The text is the same as `registry.metrics()` gives for the Prometheus format.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Registry, type RegistryContentType } from 'prom-client';

export async function renderMetricsInSlices(registry: Registry<RegistryContentType>): Promise<string> {
  // OpenMetrics renames counters while rendering: leave that format to prom-client.
  if ((registry.contentType as string) === Registry.OPENMETRICS_CONTENT_TYPE) return registry.metrics();
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    await yieldToLoop();
    // The metric may have been removed while we yielded.
    if (registry.getSingleMetric(metric.name) === undefined) continue;
    parts.push(await registry.getSingleMetricAsString(metric.name));
  }
  return `${parts.join('\n\n')}\n`;
}
