import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributes,
  ipv6,
  message,
  prefix,
  receiverOf,
  sessionOptions,
  unicastIpv4,
  updateMessage,
} from '../test/arbitraries.js';
import { encodeUpdates } from './encode-updates.js';
import { MessageFramer } from './framer.js';
import { decodeMessage, encodeMessage, encodingLength } from './message.js';
import type { Route } from './types.js';
import { updateRoutes } from './update-helpers.js';

describe('round-trip properties', () => {
  it('decode(encode(x)) deep-equals x for arbitrary valid messages under arbitrary session options', () => {
    fc.assert(
      fc.property(
        sessionOptions.chain((options) => fc.tuple(fc.constant(options), message(options))),
        ([options, m]) => {
          const bytes = encodeMessage(m, options);
          expect(encodingLength(m, options)).toBe(bytes.length);
          const r = decodeMessage(bytes, receiverOf(options));
          if (!r.ok) throw new Error(`${r.error.message} for ${JSON.stringify(m)}`);
          expect(r.message).toEqual(m);
          expect(r.warnings).toEqual([]);
          // And bytes are stable: encode(decode(bytes)) === bytes.
          expect(encodeMessage(r.message, options)).toEqual(bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the framer yields the same messages for any chunking of the stream', () => {
    fc.assert(
      fc.property(
        sessionOptions.chain((options) =>
          fc.tuple(fc.constant(options), fc.array(message(options), { minLength: 1, maxLength: 5 })),
        ),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        ([options, messages], cuts) => {
          const encoded = messages.map((m) => encodeMessage(m, options));
          const stream = new Uint8Array(encoded.reduce((a, b) => a + b.length, 0));
          let o = 0;
          for (const e of encoded) {
            stream.set(e, o);
            o += e.length;
          }
          const framer = new MessageFramer();
          framer.setExtendedMessage(options.extendedMessage);
          const got: Uint8Array[] = [];
          let pos = 0;
          let k = 0;
          while (pos < stream.length) {
            const n = cuts[k++ % cuts.length]!;
            framer.push(stream.subarray(pos, pos + n));
            pos += n;
            for (const f of framer) {
              if (!f.ok) throw new Error(f.error.message);
              got.push(f.bytes);
            }
          }
          expect(got).toEqual(encoded);
          expect(framer.bufferedLength).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('encodeUpdates then decode gives back every route and withdrawal', () => {
    fc.assert(
      fc.property(
        sessionOptions.chain((options) =>
          fc.tuple(fc.constant(options), fc.array(updateMessage(options), { maxLength: 6 })),
        ),
        ([options, updates]) => {
          // Turn arbitrary UPDATEs into routes, pack them, and compare the decoded routes.
          const announce: Route[] = [];
          const withdraw = [];
          for (const u of updates) {
            const r = updateRoutes(u);
            announce.push(...r.announce.filter((x) => x.nextHop !== undefined || x.afi === 1));
            withdraw.push(...r.withdraw);
          }
          const ipv4WithoutNh = announce.filter(
            (r) => r.afi === 1 && r.safi === 1 && r.nextHop === undefined,
          );
          const routes = announce.filter((r) => !ipv4WithoutNh.includes(r));
          const out = encodeUpdates({ announce: routes, withdraw }, options);
          const back = out.map((bytes) => {
            const r = decodeMessage(bytes, receiverOf(options));
            if (!r.ok || r.message.type !== 'update')
              throw new Error(r.ok ? 'not an UPDATE' : r.error.message);
            return updateRoutes(r.message);
          });
          const key = (r: { afi?: number; safi?: number; prefix: string; pathId?: number }) =>
            `${r.afi}/${r.safi} ${r.prefix} ${r.pathId ?? '-'}`;
          expect(
            back
              .flatMap((b) => b.withdraw)
              .map(key)
              .sort(),
          ).toEqual(withdraw.map(key).sort());
          expect(
            back
              .flatMap((b) => b.announce)
              .map(key)
              .sort(),
          ).toEqual(routes.map(key).sort());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('encodeUpdates either refuses a batch with a TypeError/RangeError or emits only UPDATEs that decode', () => {
    // Mostly consistent routes, with a minority of mismatches (family, next hop) that must be refused.
    const route = (options: Parameters<typeof attributes>[0]) =>
      (fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>).chain((afi) =>
        fc.record(
          {
            prefix: prefix(afi),
            afi: fc.oneof(
              { weight: 30, arbitrary: fc.constant(afi) },
              { weight: 1, arbitrary: fc.constant((3 - afi) as 1 | 2) },
            ),
            pathId: fc.nat({ max: 0xffffffff }),
            nextHop:
              afi === 1
                ? fc.oneof({ weight: 20, arbitrary: unicastIpv4 }, { weight: 2, arbitrary: ipv6 })
                : fc.oneof({ weight: 20, arbitrary: ipv6 }, { weight: 1, arbitrary: unicastIpv4 }),
            linkLocalNextHop: fc.oneof(
              { weight: 1, arbitrary: ipv6 },
              { weight: 6, arbitrary: fc.constant(undefined) },
            ),
            attributes: attributes(options).map((a) =>
              a.filter((x) => x.type !== 'mp-reach' && x.type !== 'mp-unreach'),
            ),
          },
          { requiredKeys: ['prefix', 'attributes', 'nextHop'] },
        ),
      );
    let encoded = 0;
    fc.assert(
      fc.property(
        sessionOptions.chain((o) =>
          fc.tuple(
            fc.constant(o),
            fc.array(route(o), { minLength: 1, maxLength: 8 }),
            fc.array(route(o), { maxLength: 4 }),
          ),
        ),
        ([options, announce, withdraw]) => {
          let out: Uint8Array[];
          try {
            out = encodeUpdates({ announce: announce as Route[], withdraw }, options);
          } catch (e) {
            if (process.env.DEBUG_REFUSALS) console.log(String(e));
            if (e instanceof TypeError || e instanceof RangeError) return;
            throw e;
          }
          if (out.length > 0) encoded++;
          for (const bytes of out) {
            const r = decodeMessage(bytes, receiverOf(options));
            if (!r.ok) throw new Error(`${r.error.message} for ${JSON.stringify({ announce, withdraw })}`);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The property must not pass only because every batch was refused.
    expect(encoded).toBeGreaterThan(100);
  });
});
