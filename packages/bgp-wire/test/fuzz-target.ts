/**
 * The fuzz target and its oracles, shared by the bounded run in the test suite
 * (src/fuzz.test.ts) and the long coverage-guided run (`pnpm fuzz`, fuzz/run.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { MessageFramer } from '../src/framer.js';
import { decodeMessage, encodeMessage } from '../src/message.js';
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from '../src/session.js';
import { decodeUpdateBulk } from '../src/update-bulk.js';
import { message, sessionOptions } from './arbitraries.js';

/** Session options the target decodes every input under. */
export const FUZZ_OPTIONS: SessionOptions[] = [
  DEFAULT_SESSION_OPTIONS,
  { ...DEFAULT_SESSION_OPTIONS, fourOctetAs: true, extendedMessage: true },
  {
    fourOctetAs: true,
    extendedMessage: false,
    addPathReceive: new Set(['1/1', '2/1']),
    addPathSend: new Set(['1/1', '2/1']),
    ebgp: true,
  },
];

/**
 * Runs one input through every oracle; throws (a crash) when one fails:
 * 1. decodeMessage never throws and never reports an internal error;
 * 2. a decoded message re-encodes, and decoding that gives the same message;
 * 3. decodeUpdateBulk agrees with decodeMessage on the outcome and prefix counts;
 * 4. the framer gives the same frame whole or split in two.
 */
export function fuzzOne(data: Uint8Array): void {
  for (const options of FUZZ_OPTIONS) {
    const r = decodeMessage(data, options);
    if (!r.ok) {
      if (r.error.internal) throw new Error(`internal error: ${r.error.message}`);
    } else {
      const encoded = encodeMessage(r.message, options);
      const again = decodeMessage(encoded, options);
      if (!again.ok) throw new Error(`re-encoded message does not decode: ${again.error.message}`);
      if (!isDeepStrictEqual(again.message, r.message))
        throw new Error('decode(encode(decode(x))) differs from decode(x)');
    }
    if (data.length >= 19 && data[18] === 2) {
      let count = 0;
      const bulk = decodeUpdateBulk(data, options, () => {
        count++;
      });
      if (r.ok && r.message.type === 'update') {
        if (!bulk.ok)
          throw new Error(`bulk decode failed where decodeMessage succeeded: ${bulk.error.message}`);
        const expected =
          r.message.nlri.length +
          r.message.withdrawn.length +
          r.message.attributes.reduce(
            (n, a) =>
              n + (a.type === 'mp-reach' ? a.nlri.length : a.type === 'mp-unreach' ? a.withdrawn.length : 0),
            0,
          );
        if (count !== expected)
          throw new Error(`bulk decode saw ${count} prefixes, decodeMessage ${expected}`);
      } else if (!r.ok) {
        if (bulk.ok) throw new Error(`bulk decode succeeded where decodeMessage failed: ${r.error.message}`);
        if (
          bulk.error.action !== r.error.action ||
          bulk.error.notification.subcode !== r.error.notification.subcode
        ) {
          throw new Error(`bulk error ${bulk.error.message} differs from ${r.error.message}`);
        }
      }
    }
  }
  const split = data.length >> 1;
  const whole = new MessageFramer();
  whole.push(data);
  const parts = new MessageFramer();
  parts.push(data.subarray(0, split));
  parts.push(data.subarray(split));
  const a = [...whole].map((f) => (f.ok ? f.bytes : f.error.notification));
  const b = [...parts].map((f) => (f.ok ? f.bytes : f.error.notification));
  if (!isDeepStrictEqual(a, b)) throw new Error('framer output depends on chunking');
}

/** Valid messages to mutate: from the round-trip arbitraries, fixed seed for reproducibility. */
export function generatedSeeds(count: number, seed = 42): Uint8Array[] {
  const arb = sessionOptions.chain((o) => fc.tuple(fc.constant(o), message(o)));
  return fc.sample(arb, { numRuns: count, seed }).map(([o, m]) => encodeMessage(m, o));
}

const INTERESTING = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, 16, 32, 64, 128, 255, 19, 23, 29];

/** One mutation step, driven by fast-check-chosen numbers so runs are reproducible from a seed. */
export type Mutation = [kind: number, a: number, b: number, c: number];

export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.tuple(fc.nat(10), fc.noBias(fc.nat()), fc.noBias(fc.nat()), fc.noBias(fc.nat())),
  { minLength: 1, maxLength: 6 },
);

/**
 * Structure-aware mutation of an UPDATE: grows or shrinks one path attribute by 1..4 octets and
 * fixes its length field, the total path attribute length and the header length, so every
 * attribute's own length check is reached with everything around it consistent.
 */
function tweakAttributeLength(d: Uint8Array<ArrayBuffer>, a: number, b: number): Uint8Array<ArrayBuffer> {
  if (d.length < 23 || d[18] !== 2) return d;
  const wl = (d[19]! << 8) | d[20]!;
  const at = 21 + wl;
  if (at + 2 > d.length) return d;
  const al = (d[at]! << 8) | d[at + 1]!;
  const end = at + 2 + al;
  if (end > d.length) return d;
  const starts: number[] = [];
  for (let p = at + 2; p + 3 <= end; ) {
    starts.push(p);
    const ext = (d[p]! & 0x10) !== 0;
    const len = ext ? (d[p + 2]! << 8) | d[p + 3]! : d[p + 2]!;
    p += (ext ? 4 : 3) + len;
  }
  if (starts.length === 0) return d;
  const p = starts[a % starts.length]!;
  const ext = (d[p]! & 0x10) !== 0;
  const hdr = ext ? 4 : 3;
  const len = ext ? (d[p + 2]! << 8) | d[p + 3]! : d[p + 2]!;
  if (p + hdr + len > end) return d;
  const delta = (b % 2 === 0 ? 1 : -1) * (1 + ((b >>> 1) % 4));
  const newLen = Math.max(0, Math.min(ext ? 0xffff : 255, len + delta));
  const value = d.subarray(p + hdr, p + hdr + len);
  const newValue = new Uint8Array(newLen);
  newValue.set(value.subarray(0, newLen));
  for (let k = len; k < newLen; k++) newValue[k] = (b >>> (k % 24)) & 255;
  const out = Uint8Array.from([...d.subarray(0, p + hdr), ...newValue, ...d.subarray(p + hdr + len)]);
  if (ext) {
    out[p + 2] = newLen >>> 8;
    out[p + 3] = newLen & 255;
  } else {
    out[p + 2] = newLen;
  }
  const newAl = al + newLen - len;
  out[at] = (newAl >>> 8) & 255;
  out[at + 1] = newAl & 255;
  out[16] = (out.length >>> 8) & 255;
  out[17] = out.length & 255;
  return out;
}

/** Applies mutations to a copy of `input`; `other` is a second corpus entry for splicing. */
export function mutate(input: Uint8Array, mutations: Mutation[], other: Uint8Array): Uint8Array {
  let d = Uint8Array.from(input);
  for (const [kind, a, b, c] of mutations) {
    const n = d.length;
    if (n === 0) {
      d = Uint8Array.of(a & 255);
      continue;
    }
    // Mostly mutate the body: header mutations only find the same few header errors.
    const i = n > 19 && (c & 7) !== 0 ? 19 + (a % (n - 19)) : a % n;
    switch (kind) {
      case 0: // flip a bit
        d[i] = d[i]! ^ (1 << (b % 8));
        break;
      case 1: // interesting byte
        d[i] = INTERESTING[b % INTERESTING.length]!;
        break;
      case 2: {
        // interesting 16-bit value (length fields)
        const v =
          [0, 1, 2, 3, 4, 0xff, 0x100, 0x7fff, 0xffff, n, n - 19, n - 23, (b % 300) | 0][c % 13]! & 0xffff;
        if (i + 1 < n) {
          d[i] = v >>> 8;
          d[i + 1] = v & 255;
        }
        break;
      }
      case 3: // truncate
        d = d.slice(0, i);
        break;
      case 4: {
        // delete a range
        const len = 1 + (b % 16);
        d = Uint8Array.from([...d.subarray(0, i), ...d.subarray(i + len)]);
        break;
      }
      case 5: {
        // insert random bytes
        const len = 1 + (b % 8);
        const ins = Array.from({ length: len }, (_, k) => (c >>> ((k % 4) * 8)) & 255);
        d = Uint8Array.from([...d.subarray(0, i), ...ins, ...d.subarray(i)]);
        break;
      }
      case 6: {
        // duplicate a range (duplicate attributes, repeated NLRI)
        const len = 1 + (b % 32);
        d = Uint8Array.from([...d.subarray(0, i + len), ...d.subarray(i, i + len), ...d.subarray(i + len)]);
        break;
      }
      case 7: {
        // splice a range from another input
        if (other.length === 0) break;
        const j = b % other.length;
        const len = 1 + (c % 64);
        d = Uint8Array.from([...d.subarray(0, i), ...other.subarray(j, j + len), ...d.subarray(i)]);
        break;
      }
      case 8:
        // random byte
        d[i] = b & 255;
        break;
      case 10:
        d = tweakAttributeLength(d, a, b);
        break;
      default: {
        // fix up the header length so the body mutations reach the message decoders
        if (n >= 18) {
          d[16] = n >>> 8;
          d[17] = n & 255;
        }
      }
    }
  }
  if (d.length > 70000) d = d.slice(0, 70000);
  // Usually keep the header length consistent so the mutation reaches the message decoders.
  const first = mutations[0]!;
  if ((first[3] & 3) !== 0 && d.length >= 19 && d.length <= 65535) {
    d[16] = d.length >>> 8;
    d[17] = d.length & 255;
  }
  return d;
}
