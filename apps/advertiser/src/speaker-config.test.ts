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
  it('agree, or the message names both addresses', () => {
    expect(vipFamilyProblem('10.0.0.8', '10.0.1.10')).toBeUndefined();
    expect(vipFamilyProblem('2001:db8::8', '2001:db8:1::10')).toBeUndefined();
    expect(vipFamilyProblem('2001:db8::8', '10.0.1.10')).toBe(
      "the VIP 2001:db8::8 is IPv6 but localIP 10.0.1.10 is IPv4: the VIP is announced with localIP as next hop, which must be of the VIP's family",
    );
  });

  it('--config with --advertise-ip of the other family is refused before anything starts', async () => {
    const v4 = configFile('10.0.1.10', '10.0.1.1');
    const refused = await loadSpeakerSettings(
      { kind: 'config', config: v4, advertiseIp: '2001:db8::8' },
      () => [],
    );
    expect(refused).toEqual({
      ok: false,
      message: `${v4}: ${vipFamilyProblem('2001:db8::8', '10.0.1.10')}`,
      problems: [],
    });
    const v6 = configFile('2001:db8:1::10', '2001:db8:1::1');
    const ok = await loadSpeakerSettings(
      { kind: 'config', config: v6, advertiseIp: '2001:db8::8' },
      () => [],
    );
    expect(ok).toMatchObject({
      ok: true,
      settings: { vip: '2001:db8::8', config: { localIP: '2001:db8:1::10' } },
    });
  });
});
