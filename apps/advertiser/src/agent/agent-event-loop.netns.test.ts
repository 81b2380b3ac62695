/**
 * The event-loop budget of the node agent (hardening issue): the ToR runs `timers 3 9` with the
 * agent's floating-IP session while a feeder peer sends the agent a 200k-prefix table and
 * 4 x 2,000 concurrent `GET /metrics` hit its health server. The ToR's session never drops and the
 * route stays. The event-loop delay is printed; `bench/event-loop.ts` records it. Needs root and FRR.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab } from './test-support/agent-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`agent event-loop budget test skipped: ${skip}`);

describe.skipIf(skip)('agent: keepalives under HTTP load and a large ingest (netns, FRR; needs root)', () => {
  let lab: AgentLab;

  beforeAll(async () => {
    const { createAgentLoadLab, startLoadAgent } = await import('./test-support/agent-load.js');
    lab = await createAgentLoadLab('agtload');
    await startLoadAgent(lab);
  }, 120_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  it('the ToR at timers 3 9 sees no hold-timer expiry; the route stays', async () => {
    const { runAgentLoad } = await import('./test-support/agent-load.js');
    const r = await runAgentLoad(lab);
    console.log(
      `agent event-loop budget: ${r.http.ok} scrapes answered of ${JSON.stringify(r.http.status)}, ` +
        `event-loop delay p99 <= ${(r.http.p99Max * 1000).toFixed(1)} ms, max ${(r.http.max * 1000).toFixed(1)} ms, ` +
        `${r.prefixesReceived} prefixes`,
    );
    expect(r.stateAfter).toBe('Established');
    expect(r.dropped).toBe(0);
    expect(r.routeAtTor).toBe(true);
    expect(r.prefixesReceived).toBe(200_000);
    expect(r.http.ok).toBeGreaterThan(0);
  }, 240_000);
});
