import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAdvertiserConfig } from './advertiser-config-file.js';
import { decodeConfigBytes, MAX_CONFIG_BYTES } from './config-bytes.js';
import { validateFiles } from './validate-files.js';
import { deepNestingOffset, readYamlDocuments } from './yaml-documents.js';

// Issue 21, "Why" item 1: hostile or odd files give ONE positioned, specific error, never a throw.

const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The 212-byte alias bomb of the issue. */
export const ALIAS_BOMB = `x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
z: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
localIP: 10.77.0.1
localASN: 4273481990
peers:
- peerIP: 10.77.0.2
  peerASN: 65002
`;
const CONFIG = 'localIP: 10.77.0.1\nlocalASN: 4273481990\npeers:\n- peerIP: 10.77.0.2\n  peerASN: 65002\n';

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** `line:col: message` of every problem, from both file readers. */
async function outcomes(
  name: string,
  content: string | Uint8Array,
): Promise<{ advertiser: string[]; cluster: string[] }> {
  const path = file(name, content);
  const advertiser = await loadAdvertiserConfig(path);
  const [cluster] = await validateFiles([path]);
  const show = (p: { file: string; line: number; column: number; message: string }) =>
    `${p.file === path ? '' : p.file}${p.line}:${p.column}: ${p.message}`;
  return { advertiser: advertiser.problems.map(show), cluster: cluster!.problems.map(show) };
}

describe('hostile configuration files', () => {
  it.each<[string, string | Uint8Array, string]>([
    [
      'the 212-byte alias bomb',
      ALIAS_BOMB,
      '3:37: YAML aliases expand to more than 1000 values (an alias bomb?); write the values out instead of repeating aliases',
    ],
    [
      'an alias without anchor',
      'localIP: *ip\n',
      '1:10: alias *ip refers to no anchor &ip defined before it',
    ],
    [
      'an alias inside its own anchor',
      'peers: &p [1, *p]\n',
      '1:15: alias *p refers to a node that contains it (a cycle)',
    ],
    [
      'deep flow nesting (200k brackets)',
      `a: ${'['.repeat(200_000)}`,
      '1:67: YAML nesting is too deep (more than 64 levels)',
    ],
    [
      'deep block nesting',
      Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      '65:65: YAML nesting is too deep (more than 64 levels)',
    ],
    [
      'sequences nested on one line (60k dashes)',
      `${'- '.repeat(60_000)}x`,
      '1:129: YAML nesting is too deep (more than 64 levels)',
    ],
    [
      'a duplicate key',
      `${CONFIG}localIP: 10.77.0.3\n`,
      '6:1: YAML syntax error: key "localIP" appears twice in the same mapping',
    ],
    [
      'a !!binary tag',
      'localIP: !!binary MTAuNzcuMC4x\n',
      '1:10: unsupported YAML tag !!binary; bgplb reads plain YAML (strings, numbers, booleans, null, mappings, sequences)',
    ],
    [
      'a custom tag',
      'localIP: !ip 10.77.0.1\n',
      '1:10: unsupported YAML tag !ip; bgplb reads plain YAML (strings, numbers, booleans, null, mappings, sequences)',
    ],
    [
      'a merge key',
      'base: &b {peerASN: 65002}\npeers:\n- <<: *b\n  peerIP: 10.77.0.2\n',
      '3:3: merge keys (<<) are not supported; write the fields out',
    ],
    [
      'a mapping as a key',
      '? {a: 1}\n: x\n',
      '1:3: a mapping key must be a plain value (a name), not a mapping or a list',
    ],
    [
      'binary data (NUL)',
      Uint8Array.from([0x6c, 0x3a, 0x20, 0x00, 0x01, 0x02, 0x0a]),
      '1:4: control character U+0000 at line 1, column 4: the file looks binary (or UTF-16 without a byte-order mark); save it as UTF-8 text',
    ],
    [
      'a control character',
      'localIP: 10.77.0.1\x07\n',
      '1:19: control character U+0007 at line 1, column 19: YAML does not allow control characters; remove it',
    ],
    [
      'invalid UTF-8 (Latin-1)',
      Buffer.from('localIP: 10.77.0.1\n# caf\xe9\n', 'latin1'),
      '2:6: invalid UTF-8 (byte 0xe9 at line 2, column 6): save the file as UTF-8 text',
    ],
    [
      'UTF-32',
      Uint8Array.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]),
      '1:1: the file is UTF-32 (byte-order mark); save it as UTF-8',
    ],
    [
      'a file over the size cap',
      `${CONFIG}#${'x'.repeat(MAX_CONFIG_BYTES)}\n`,
      '1:1: the file is larger than 256 KiB, the limit for a configuration file; is it the right file?',
    ],
  ])('%s: one positioned error from both readers', async (name, content, expected) => {
    const { advertiser, cluster } = await outcomes(`${name.replace(/\W+/g, '-')}.yaml`, content);
    expect(advertiser).toEqual([expected]);
    expect(cluster).toEqual([expected]);
  });

  it('reads UTF-8 with a BOM, UTF-16 LE and UTF-16 BE (with BOM) like plain UTF-8', async () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CONFIG, 'utf16le')]);
    const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(CONFIG, 'utf16le').swap16()]);
    for (const [name, bytes] of [
      ['bom8.conf', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CONFIG)])],
      ['le.conf', utf16le],
      ['be.conf', utf16be],
    ] as const) {
      const r = await loadAdvertiserConfig(file(name, bytes));
      expect(r.ok ? r.config.localIP : r.problems).toBe('10.77.0.1');
    }
    expect(decodeConfigBytes(Uint8Array.from([0xff, 0xfe, 0x61]))).toMatchObject({
      ok: false,
      message: 'the file starts with a UTF-16LE byte-order mark but has an odd length',
    });
  });

  it('reports a missing file as a read error, and reads at most the cap of an endless file', async () => {
    const missing = await loadAdvertiserConfig(join(dir, 'nope.conf'));
    expect(missing).toMatchObject({
      ok: false,
      readError: expect.stringMatching(/^cannot read .*nope\.conf: ENOENT/),
    });
    const zero = await loadAdvertiserConfig('/dev/zero');
    expect(zero.problems.map((p) => p.message)).toEqual([
      'the file is larger than 256 KiB, the limit for a configuration file; is it the right file?',
    ]);
  });

  it('keeps plain YAML working: core tags, quoted brackets, a few aliases, documents in a stream', () => {
    const ok = readYamlDocuments(
      `a: !!str 5\nb: '${'['.repeat(70)}'\nc: &t {holdTime: 9}\nd: *t\n---\ne: "[{\\""\n`,
    );
    expect(ok.docs.map((d) => (d.ok ? d.value : d.message))).toEqual([
      { a: '5', b: '['.repeat(70), c: { holdTime: 9 }, d: { holdTime: 9 } },
      { e: '[{"' },
    ]);
    expect(deepNestingOffset("a: don't\nb: [x]\n")).toBeUndefined();
    expect(deepNestingOffset(`a: don't\nb: ${'['.repeat(70)}`)).toBe(75);
    expect(deepNestingOffset(`# ${'['.repeat(70)}\na: 1`)).toBeUndefined();
  });
});
