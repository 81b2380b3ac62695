import { createPrefixView, type PrefixView } from '@bgplb/bgp-wire';
import { describe, expect, it } from 'vitest';
import { AdjRibIn } from './adj-rib-in.js';
import { PrefixSet } from './prefix-set.js';

function v4(text: string, pathId = -1, withdrawn = false): PrefixView {
  const [addr, len] = text.split('/') as [string, string];
  const parts = addr.split('.').map(Number);
  const view = createPrefixView();
  view.afi = 1;
  view.length = Number(len);
  view.ipv4 = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  view.address.set(parts);
  view.pathId = pathId;
  view.withdrawn = withdrawn;
  return view;
}

function v6(first: number, len: number, pathId = -1): PrefixView {
  const view = createPrefixView();
  view.afi = 2;
  view.length = len;
  view.address.fill(0);
  view.address[0] = 0x20;
  view.address[1] = first;
  view.pathId = pathId;
  return view;
}

describe('PrefixSet', () => {
  it('counts each prefix once, for every kind of key', () => {
    const s = new PrefixSet();
    for (const p of [
      v4('10.0.0.0/24'),
      v4('0.0.0.0/0'),
      v4('10.0.0.1/32'),
      v4('10.0.0.0/24', 3),
      v6(1, 48),
    ]) {
      expect(s.add(p)).toBe(true);
      expect(s.add(p)).toBe(false);
    }
    expect(s.size).toBe(5);
    expect(s.delete(v4('10.0.0.0/24'))).toBe(true);
    expect(s.delete(v4('10.0.0.0/24'))).toBe(false);
    expect(s.delete(v4('10.0.1.0/24'))).toBe(false);
    expect(s.delete(v4('10.0.0.0/16'))).toBe(false);
    expect(s.delete(v4('10.0.0.1/32'))).toBe(true);
    expect(s.delete(v4('10.0.0.1/32'))).toBe(false);
    expect(s.delete(v6(1, 48))).toBe(true);
    expect(s.size).toBe(2);
  });

  it('switches a length to a bitmap past 4096 prefixes without losing any', () => {
    const s = new PrefixSet();
    for (let i = 0; i < 5000; i++) {
      const v = (0x0a000000 + i * 256) >>> 0;
      expect(s.add(v4(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.0/24`))).toBe(true);
    }
    expect(s.size).toBe(5000);
    expect(s.add(v4('10.0.0.0/24'))).toBe(false);
    expect(s.add(v4('10.0.19.0/24'))).toBe(false);
    expect(s.delete(v4('10.0.19.0/24'))).toBe(true);
    expect(s.delete(v4('10.0.19.0/24'))).toBe(false);
    expect(s.add(v4('10.0.19.0/24'))).toBe(true);
    expect(s.size).toBe(5000);
    expect(s.add(v4('10.0.0.0/20'))).toBe(true);
    expect(s.delete(v4('10.0.0.0/20'))).toBe(true);
    expect(s.delete(v4('10.0.0.0/21'))).toBe(false);
  });

  it('keeps host routes per /16 block: sparse, then a bitmap, exact across the switch', () => {
    const s = new PrefixSet();
    const host = (i: number, len = 32) => {
      const v = (0x0a000000 + i * (len === 32 ? 1 : 2 ** (32 - len))) >>> 0;
      return v4(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${len}`);
    };
    // 70,000 /32s span two /16 blocks; the first switches to a bitmap past 512.
    for (let i = 0; i < 70_000; i++) expect(s.add(host(i))).toBe(true);
    expect(s.size).toBe(70_000);
    for (const i of [0, 511, 512, 513, 65_535, 65_536, 69_999]) expect(s.add(host(i))).toBe(false);
    expect(s.add(host(70_000))).toBe(true);
    // The same address at another length is another prefix.
    expect(s.add(host(0, 31))).toBe(true);
    expect(s.add(host(0, 25))).toBe(true);
    expect(s.add(host(0, 25))).toBe(false);
    expect(s.size).toBe(70_003);
    // Deletes from a bitmap block and from a sparse one (which disappears when empty).
    expect(s.delete(host(100))).toBe(true);
    expect(s.delete(host(100))).toBe(false);
    expect(s.add(host(100))).toBe(true);
    expect(s.delete(host(0, 31))).toBe(true);
    expect(s.delete(host(0, 31))).toBe(false);
    expect(s.delete(host(1, 31))).toBe(false);
    expect(s.delete(v4('192.168.0.1/32'))).toBe(false);
    expect(s.size).toBe(70_002);
    // Path ids stay apart from the blocks.
    expect(s.add(host(5, 32))).toBe(false);
    expect(s.add(v4('10.0.0.5/32', 7))).toBe(true);
    expect(s.delete(v4('10.0.0.5/32', 7))).toBe(true);
    expect(s.size).toBe(70_002);
  });
});

describe('AdjRibIn', () => {
  it('shares attribute sets and frees them when no route uses them', () => {
    const rib = new AdjRibIn();
    const update = (attrs: number[]) => {
      const b = new Uint8Array(23 + attrs.length);
      b[21] = 0;
      b[22] = attrs.length;
      b.set(attrs, 23);
      return b;
    };
    rib.beginUpdate(update([1, 2, 3]));
    expect(rib.announce(v4('10.0.0.0/24'))).toBe(true);
    expect(rib.announce(v4('10.0.1.0/24'))).toBe(true);
    expect(rib.announce(v4('10.0.2.0/24', 7))).toBe(true);
    expect(rib.announce(v6(2, 32))).toBe(true);
    rib.commitAttributes([{ type: 'origin', origin: 'igp' }]);
    expect(rib.attributeSets).toBe(1);
    rib.beginUpdate(update([4, 5]));
    expect(rib.announce(v4('10.0.0.0/24'))).toBe(false);
    rib.commitAttributes([{ type: 'origin', origin: 'egp' }]);
    expect(rib.attributeSets).toBe(2);
    expect(rib.size).toBe(4);
    const entries = [...rib.entries()];
    expect(entries.find((e) => e.prefix === '10.0.0.0/24')?.attributes).toEqual([
      { type: 'origin', origin: 'egp' },
    ]);
    expect(entries.find((e) => e.prefix === '10.0.2.0/24')?.pathId).toBe(7);
    expect(entries.some((e) => e.prefix.startsWith('2002:'))).toBe(true);
    // Withdrawing the last user of a set frees it.
    expect(rib.withdraw(v4('10.0.0.0/24'))).toBe(true);
    expect(rib.withdraw(v4('10.0.0.0/24'))).toBe(false);
    expect(rib.withdraw(v4('10.0.2.0/24', 7))).toBe(true);
    expect(rib.withdraw(v4('10.0.2.0/24', 9))).toBe(false);
    expect(rib.attributeSets).toBe(1);
    // An UPDATE without attributes (a pure withdrawal) announces nothing.
    rib.beginUpdate(update([]));
    expect(rib.announce(v4('10.9.0.0/24'))).toBe(false);
    rib.beginUpdate(new Uint8Array(5));
    rib.commitAttributes([]);
    rib.clear();
    expect(rib.size).toBe(0);
    expect([...rib.entries()]).toEqual([]);
  });
});
