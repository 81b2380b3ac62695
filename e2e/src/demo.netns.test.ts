/**
 * The README's main command keeps working: `demo.ts --once` (what scripts/demo.sh runs after
 * bootstrap and build) brings up topology 03, prints the session table, the ToR's ECMP route and
 * successful requests, exits 0 and leaves no namespace behind. Needs root and FRR.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { childExit, labSkipReason, run } from '@bgplb/netns-lab';
import { describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { REPO } from './netns/e2e-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`demo test skipped: ${skip}`);

describe.skipIf(skip !== undefined)('pnpm demo --once', () => {
  it('prints sessions, the ECMP route and answered requests, then tears everything down', async () => {
    const args = ['--conditions=@bgplb/source', '--import', 'tsx', join(REPO, 'e2e/src/demo.ts'), '--once'];
    if (process.env.BGPLB_E2E_SOURCES !== '1' && distIsFresh(REPO)) args.push('--dist');
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // Its output read to the end: the last line ('done: nothing left behind') is asserted below.
    const { code } = await childExit(child);
    expect(code, out).toBe(0);
    expect(out).toMatch(/NAME\s+LOCAL ASN\s+PEER ASN\s+LOCAL IP\s+PEER IP\s+STATE\s+LAST REPORT/);
    expect(
      out.match(/bgppeer1-\S+\s+65001\s+65002\s+10\.0\.3\.10[01]\s+10\.0\.3\.254\s+Established/g)?.length,
    ).toBe(2);
    expect(out).toMatch(/nexthop via 10\.0\.3\.10 dev/);
    expect(out).toMatch(/nexthop via 10\.0\.3\.11 dev/);
    expect(out).toMatch(/20 ok, 0 failed: lb\d answered \d+, lb\d answered \d+/);
    expect(out).toMatch(/done: nothing left behind/);
    const id = /tearing down lab (\S+)/.exec(out)?.[1];
    expect(id).toBeDefined();
    const { stdout } = await run('ip', ['netns', 'list']);
    expect(stdout.split('\n').filter((l) => l.startsWith(`${id}-`))).toEqual([]);
  }, 240_000);
});
