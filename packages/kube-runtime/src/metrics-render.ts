/**
 * The /metrics text of a registry, one metric per event-loop turn. `registry.metrics()` collects
 * and formats every metric in one go: the node agent's registry (sessions, routes, next hops,
 * process and Node metrics) took 10-15 ms of CPU per render under issue 21's load, in one turn.
 * Here each metric's collect and formatting get a turn of their own, so timers run in between.
 * The text is the same as `registry.metrics()` gives for the Prometheus format.
 *
 * `renderMetricsBytesInSlices` gives the same text UTF-8 encoded, each metric encoded as soon as
 * it is rendered: the whole text never exists as one string. With 20k route series that string
 * is 1.8 MB in V8's large-object space, freed only by a full collection, on every render.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Registry, type RegistryContentType } from 'prom-client';

export async function renderMetricsInSlices(registry: Registry<RegistryContentType>): Promise<string> {
  // OpenMetrics renames counters while rendering: leave that format to prom-client.
  if ((registry.contentType as string) === Registry.OPENMETRICS_CONTENT_TYPE) return registry.metrics();
  const parts: string[] = [];
  await eachMetricText(registry, (text) => parts.push(text));
  return `${parts.join('\n\n')}\n`;
}

/** The text of `renderMetricsInSlices`, UTF-8 encoded one metric at a time. */
export async function renderMetricsBytesInSlices(registry: Registry<RegistryContentType>): Promise<Buffer> {
  if ((registry.contentType as string) === Registry.OPENMETRICS_CONTENT_TYPE)
    return Buffer.from(await registry.metrics(), 'utf8');
  const parts: Buffer[] = [];
  await eachMetricText(registry, (text) => {
    if (parts.length > 0) parts.push(SEPARATOR);
    parts.push(Buffer.from(text, 'utf8'));
  });
  parts.push(NEWLINE);
  return Buffer.concat(parts);
}

const SEPARATOR = Buffer.from('\n\n');
const NEWLINE = Buffer.from('\n');

async function eachMetricText(
  registry: Registry<RegistryContentType>,
  use: (text: string) => void,
): Promise<void> {
  for (const metric of registry.getMetricsAsArray()) {
    await yieldToLoop();
    // The metric may have been removed while we yielded.
    if (registry.getSingleMetric(metric.name) === undefined) continue;
    use(await registry.getSingleMetricAsString(metric.name));
  }
}
