import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpeakerSettings, vipFamilyProblem } from './speaker-config.js';

const dir = mkdtempSync(join(tmpdir(), 'v6bgp-speaker-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(localIP: string, peerIP: string): string {
  const file = join(dir, `${localIP.replace(/[:.]/g, '_')}.yaml`);
  writeFileSync(
    file,
    `localIP: ${localIP}\nlocalASN: 65001\npeers:\n- peerIP: ${peerIP}\n  peerASN: 65000\n`,
  );
  return file;
}

describe('the VIP and localIP families', () => {
  it('agree, or the message names the addresses', () => {
    expect(vipFamilyProblem(['10.0.0.8'], { localIP: '10.0.1.10' })).toBeUndefined();
    expect(vipFamilyProblem(['2001:db8::8'], { localIP: '2001:db8:1::10' })).toBeUndefined();
    expect(vipFamilyProblem(['2001:db8::8'], { localIP: '10.0.1.10' })).toBe(
      "the VIP 2001:db8::8 is IPv6 but localIP 10.0.1.10 is IPv4: the VIP is announced with this node's address of its family as next hop (set localIPOtherFamily to this node's IPv6 address)",
    );
    expect(
      vipFamilyProblem(['2001:db8::8'], { localIP: '10.0.1.10', localIPOtherFamily: '2001:db8:1::10' }),
    ).toBeUndefined();
  });

  it('one VIP of each family needs an address of one family only (the other is left out)', () => {
    expect(vipFamilyProblem(['10.0.0.8', '2001:db8::8'], { localIP: '10.0.1.10' })).toBeUndefined();
    expect(vipFamilyProblem(['2001:db8::8', '10.0.0.8'], { localIP: '2001:db8:1::10' })).toBeUndefined();
  });

  it('--config with --advertise-ip of the other family is refused before anything starts', async () => {
    const v4 = configFile('10.0.1.10', '10.0.1.1');
    const refused = await loadSpeakerSettings(
      { kind: 'config', config: v4, advertiseIps: ['2001:db8::8'] },
      () => [],
    );
    expect(refused).toEqual({
      ok: false,
      message: `${v4}: ${vipFamilyProblem(['2001:db8::8'], { localIP: '10.0.1.10' })}`,
      problems: [],
    });
    const v6 = configFile('2001:db8:1::10', '2001:db8:1::1');
    const ok = await loadSpeakerSettings(
      { kind: 'config', config: v6, advertiseIps: ['2001:db8::8'] },
      () => [],
    );
    expect(ok).toMatchObject({
      ok: true,
      settings: { vips: ['2001:db8::8'], config: { localIP: '2001:db8:1::10' } },
    });
  });

  it('--config with two VIPs keeps both (the file may give an address of each family)', async () => {
    const file = join(dir, 'dual.yaml');
    writeFileSync(
      file,
      'localIP: 10.0.1.10\nlocalIPOtherFamily: 2001:db8:1::10\nlocalASN: 65001\npeers:\n- {peerIP: 10.0.1.1, peerASN: 65000}\n- {peerIP: 2001:db8:1::1, peerASN: 65000}\n',
    );
    const ok = await loadSpeakerSettings(
      { kind: 'config', config: file, advertiseIps: ['10.0.0.8', '2001:db8::8'] },
      () => [],
    );
    expect(ok).toMatchObject({
      ok: true,
      settings: { vips: ['10.0.0.8', '2001:db8::8'], config: { localIPOtherFamily: '2001:db8:1::10' } },
    });
  });
});

describe('--cluster-config with a control-plane VIP of each family', () => {
  const fixture = new URL(
    '../../../packages/api-types/test/fixtures/good/control-plane-vips-both-families.yaml',
    import.meta.url,
  ).pathname;

  it('every node gets both VIPs; each announces the one of its address family (vipNextHop)', async () => {
    for (const [nodeIp, localIP] of [
      ['10.0.1.10', '10.0.1.10'],
      ['2001:db8:2::10', '2001:db8:2::10'],
    ] as const) {
      const loaded = await loadSpeakerSettings({ kind: 'cluster', clusterConfig: fixture, nodeIp }, () => []);
      expect(loaded).toMatchObject({
        ok: true,
        settings: { vips: ['10.0.0.8', '2001:db8::8'], config: { localIP } },
      });
    }
  });
});
