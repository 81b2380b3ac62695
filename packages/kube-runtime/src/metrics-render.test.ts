import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderMetricsBytesInSlices, renderMetricsInSlices } from './metrics-render.js';

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

describe('renderMetricsBytesInSlices', () => {
  it('gives the UTF-8 bytes of the sliced text, non-ASCII help text included', async () => {
    const registry = new Registry();
    new Gauge({ name: 'a', help: 'caf\u00e9 \u2019', labelNames: ['x'], registers: [registry] }).set(
      { x: '\u00e4' },
      1,
    );
    new Counter({ name: 'b_total', help: 'b', registers: [registry] }).inc(2);
    const bytes = await renderMetricsBytesInSlices(registry);
    expect(bytes).toEqual(Buffer.from(await renderMetricsInSlices(registry), 'utf8'));
    expect(bytes.toString('utf8')).toContain('a{x="\u00e4"} 1');
    expect(
      bytes.toString('utf8').endsWith('1\n\n# HELP b_total b\n# TYPE b_total counter\nb_total 2\n'),
    ).toBe(true);
  });

  it('gives a lone newline for an empty registry, as registry.metrics() does', async () => {
    const registry = new Registry();
    expect((await renderMetricsBytesInSlices(registry)).toString()).toBe(
      await renderMetricsInSlices(registry),
    );
    expect(await renderMetricsInSlices(registry)).toBe('\n');
  });

  it('leaves OpenMetrics to prom-client', async () => {
    const open = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    new Counter({ name: 'x_total', help: 'x', registers: [open] }).inc();
    expect((await renderMetricsBytesInSlices(open)).toString('utf8')).toBe(await open.metrics());
  });
});
