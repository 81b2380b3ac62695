import { decodeMessage, type SessionOptions, type UpdateMessage } from '@bgplb/bgp-wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdjRibOut, type RibChange } from './adj-rib-out.js';
import { packChanges } from './rib-updates.js';

const hopArb = fc.integer({ min: 1, max: 12 }).map((i) => `192.0.2.${i}`);
const pathsArb = fc
  .uniqueArray(hopArb, { maxLength: 8 })
  .chain((hops) =>
    fc
      .tuple(...hops.map(() => fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })))
      .map((meds) =>
        hops.map((nextHop, i) => (meds[i] === undefined ? { nextHop } : { nextHop, med: meds[i] })),
      ),
  );
const prefixArb = fc.integer({ min: 0, max: 5 }).map((i) => `10.0.${i}.0/24`);
const stepsArb = fc.array(fc.tuple(prefixArb, pathsArb), { maxLength: 40 });

describe('AdjRibOut (property)', () => {
  it('with ADD-PATH: sent = desired, ids unique and stable per next hop, minimal changes', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const rib = new AdjRibOut();
        for (const [prefix, paths] of steps) {
          const before = new Map((rib.get(prefix) ?? []).map((p) => [p.spec.nextHop, p]));
          const change = rib.update(prefix, paths, true);
          const after = rib.get(prefix) ?? [];
          expect(after.map((p) => p.spec.nextHop).sort()).toEqual(paths.map((p) => p.nextHop).sort());
          expect(new Set(after.map((p) => p.pathId)).size).toBe(after.length);
          for (const p of after) {
            const old = before.get(p.spec.nextHop);
            if (old !== undefined) expect(p.pathId).toBe(old.pathId);
          }
          const removed = [...before.values()].filter(
            (p) => !paths.some((q) => q.nextHop === p.spec.nextHop),
          );
          const changed = after.filter((p) => {
            const old = before.get(p.spec.nextHop);
            return old === undefined || old.spec.med !== p.spec.med;
          });
          expect([...(change?.withdraw ?? [])].sort()).toEqual(removed.map((p) => p.pathId).sort());
          expect((change?.announce ?? []).map((p) => p.pathId).sort()).toEqual(
            changed.map((p) => p.pathId).sort(),
          );
        }
      }),
    );
  });

  it('packed UPDATEs decode to exactly the changes (ADD-PATH on and off)', () => {
    fc.assert(
      fc.property(stepsArb, fc.boolean(), fc.boolean(), (steps, addPath, extendedMessage) => {
        const rib = new AdjRibOut();
        const options: SessionOptions = {
          fourOctetAs: true,
          extendedMessage,
          addPathSend: new Set(addPath ? ['1/1' as const] : []),
          addPathReceive: new Set(addPath ? ['1/1' as const] : []),
        };
        const changes: RibChange[] = [];
        for (const [prefix, paths] of steps) {
          const c = rib.update(prefix, addPath ? paths : paths.slice(0, 1), addPath);
          if (c !== undefined) changes.push(c);
        }
        const expected = { announce: [] as string[], withdraw: [] as string[] };
        for (const c of changes) {
          for (const p of c.announce)
            expected.announce.push(`${c.prefix}#${addPath ? p.pathId : '-'}@${p.spec.nextHop}`);
          for (const id of c.withdraw) expected.withdraw.push(`${c.prefix}#${addPath ? id : '-'}`);
        }
        const got = { announce: [] as string[], withdraw: [] as string[] };
        for (const bytes of packChanges(changes, { localAsn: 65001, ibgp: false }, options).messages) {
          const r = decodeMessage(bytes, { ...options, addPathReceive: options.addPathSend });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const u = r.message as UpdateMessage;
          const hop = u.attributes.find((a) => a.type === 'next-hop');
          for (const n of u.nlri)
            got.announce.push(
              `${n.prefix}#${n.pathId ?? '-'}@${hop?.type === 'next-hop' ? hop.nextHop : '?'}`,
            );
          for (const n of u.withdrawn) got.withdraw.push(`${n.prefix}#${n.pathId ?? '-'}`);
        }
        expect(got.announce.sort()).toEqual(expected.announce.sort());
        expect(got.withdraw.sort()).toEqual(expected.withdraw.sort());
      }),
    );
  });
});
