/**
 * Live interop with FRR 8.4 (needs root and FRR: skipped with the reason otherwise; CI runs it).
 * bgpd in a namespace this test creates talks to a peer built on bgp-wire: every message bgpd
 * sends must decode, and bgpd must accept what bgp-wire encodes (routes, communities, ADD-PATH
 * path id, FQDN hostname) exactly as sent.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../src/message.js';
import { labUnavailable } from './frr/lab.js';
import { recordFromFrr } from './frr/record.js';

const reason = labUnavailable();
const out = mkdtempSync(join(tmpdir(), 'bgpwire-live-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(reason !== undefined)(`FRR 8.4 live interop${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('exchanges OPEN, UPDATEs and the shutdown NOTIFICATION both ways', { timeout: 90_000 }, async () => {
    const rec = await recordFromFrr(out, 2);
    const types = rec.events.filter((e) => e.event === 'message').map((e) => e.type);
    expect(types[0]).toBe('open');
    expect(types.at(-1)).toBe('notification');
    expect(types).not.toContain('error');
    expect(types.filter((t) => t === 'update').length).toBeGreaterThanOrEqual(2);

    // bgpd accepted our UPDATE as sent.
    const path = (rec.ipv4Route as { paths: Record<string, unknown>[] }).paths[0]!;
    expect(path.metric).toBe(50);
    expect((path.community as { string: string }).string).toBe('65002:200 graceful-shutdown');
    expect((path.largeCommunity as { string: string }).string).toBe('65002:7:8');
    expect(path.addpathRxId).toBe(1);
    expect((path.peer as { hostname: string }).hostname).toBe('bgp-wire-peer');
    expect(JSON.stringify(rec.ipv6Route)).toContain('2001:db8::2');
    const neighbor = (rec.neighbor as Record<string, { bgpState: string }>)['192.0.2.2']!;
    expect(neighbor.bgpState).toBe('Established');

    // Every recorded message decodes again from its file.
    const session = {
      fourOctetAs: true,
      extendedMessage: false,
      addPathReceive: new Set(['1/1', '2/1'] as const),
      addPathSend: new Set(['1/1'] as const),
    };
    for (const f of readdirSync(out)) {
      const r = decodeMessage(new Uint8Array(readFileSync(join(out, f))), session);
      expect(r.ok, f).toBe(true);
    }
  });
});
