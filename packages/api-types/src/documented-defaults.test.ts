import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMERS } from './constants.js';
import { Cluster } from './schemas/cluster.js';

// docs/configuration.md is what users read: its default columns must say what the code does.
const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

/** The cells of the table row whose first cell is `key` (backticks included). */
function row(key: string): string[] {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${key} |`));
  if (line === undefined) throw new Error(`docs/configuration.md has no table row for ${key}`);
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('docs/configuration.md defaults', () => {
  it('gives the BGPPeer timer defaults of DEFAULT_TIMERS', () => {
    expect(row('`spec.holdTime`')[2]).toBe(String(DEFAULT_TIMERS.holdTime));
    expect(row('`spec.keepaliveTime`')[2]).toBe(
      `a third of the hold time, at most ${DEFAULT_TIMERS.keepaliveTime}`,
    );
    expect(row('`spec.connectRetryTime`')[2]).toBe(String(DEFAULT_TIMERS.connectRetryTime));
  });

  it('gives the advertiser file timer defaults of DEFAULT_TIMERS', () => {
    const { holdTime, keepaliveTime, connectRetryTime } = DEFAULT_TIMERS;
    expect(row('`holdTime`, `keepaliveTime`, `connectRetryTime`')[2]).toBe(
      `${holdTime}, hold/3 (≤${keepaliveTime}), ${connectRetryTime}`,
    );
  });

  it('gives the default control-plane LB port of the Cluster schema', () => {
    const port = Cluster.shape.spec.shape.loadBalancer.shape.ports.parse(undefined).controlPlaneLBPort;
    expect(row('`ports.controlPlaneLBPort`').join(' ')).toContain(String(port));
  });
});
