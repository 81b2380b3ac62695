import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderMetricsInSlices } from './metrics-render.js';

describe('renderMetricsInSlices', () => {
  it('gives the text of registry.metrics(), collect functions included', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ node: 'n1' });
    const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['peer'], registers: [registry] });
    c.inc({ peer: '10.0.0.1' }, 3);
    new Gauge({
      name: 'g',
      help: 'g',
      registers: [registry],
      collect() {
        this.set(42);
      },
    });
    new Histogram({ name: 'h', help: 'h', buckets: [1, 2], registers: [registry] }).observe(1.5);
    collectDefaultMetrics({ register: registry });
    const sliced = await renderMetricsInSlices(registry);
    const whole = await registry.metrics();
    // Process metrics move between two renders (CPU, memory); compare the stable lines.
    const stable = (t: string) => t.split('\n').filter((l) => /^(# (HELP|TYPE) |c_total|g[ {]|h_)/.test(l));
    expect(stable(sliced)).toEqual(stable(whole));
    expect(stable(sliced)).toContain('g{node="n1"} 42');
    expect(sliced.split('\n\n').length).toBe(whole.split('\n\n').length);
    expect(sliced.endsWith('\n')).toBe(true);
  });

  it('yields to the event loop between metrics', async () => {
    const registry = new Registry();
    const order: string[] = [];
    for (const name of ['a', 'b', 'c'])
      new Gauge({
        name,
        help: name,
        registers: [registry],
        collect() {
          order.push(name);
        },
      });
    const done = renderMetricsInSlices(registry);
    setImmediate(() => order.push('other work'));
    await done;
    expect(order.indexOf('other work')).toBeGreaterThan(0);
    expect(order.indexOf('other work')).toBeLessThan(3);
  });

  it('skips a metric removed meanwhile, and leaves OpenMetrics to prom-client', async () => {
    const registry = new Registry();
    new Gauge({ name: 'kept', help: 'k', registers: [registry] }).set(1);
    new Gauge({ name: 'gone', help: 'g', registers: [registry] }).set(2);
    const pending = renderMetricsInSlices(registry);
    registry.removeSingleMetric('gone');
    const text = await pending;
    expect(text).toContain('kept 1');
    expect(text).not.toContain('gone');
    const open = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    new Counter({ name: 'x_total', help: 'x', registers: [open] }).inc();
    expect(await renderMetricsInSlices(open)).toBe(await open.metrics());
  });
});
