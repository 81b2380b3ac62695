/**
 * Metrics of the control-plane mode (on top of the shared BGP session metrics):
 *
 * - `bgplb_advertiser_vip_announced` 1 while the control-plane VIP is announced
 * - `bgplb_advertiser_health_checks_total{result}` health checks of --check-url (success, failure)
 * - `bgplb_advertiser_health_check_consecutive_failures` the VIP is withdrawn at the threshold
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ControlPlaneMetricsSource {
  announced(): boolean;
  consecutiveFailures(): number;
}

export function registerControlPlaneMetrics(
  registry: Registry,
  source: ControlPlaneMetricsSource,
): { checks: Counter<'result'> } {
  new Gauge({
    name: 'bgplb_advertiser_vip_announced',
    help: '1 while the VIP is announced (healthy and running), else 0',
    registers: [registry],
    collect() {
      this.set(source.announced() ? 1 : 0);
    },
  });
  const checks = new Counter({
    name: 'bgplb_advertiser_health_checks_total',
    help: 'Health checks of --check-url, by result',
    labelNames: ['result'],
    registers: [registry],
  });
  new Gauge({
    name: 'bgplb_advertiser_health_check_consecutive_failures',
    help: 'Consecutive failed health checks (the VIP is withdrawn at --check-failure-threshold)',
    registers: [registry],
    collect() {
      this.set(source.consecutiveFailures());
    },
  });
  return { checks };
}
