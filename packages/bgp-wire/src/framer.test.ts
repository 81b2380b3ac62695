import { describe, expect, it } from 'vitest';
import { hex, MARKER, msg } from '../test/hex.js';
import { MessageFramer } from './framer.js';
import { encodeKeepalive } from './message.js';

function drain(f: MessageFramer) {
  return [...f];
}

describe('MessageFramer', () => {
  it('returns messages inside one chunk as views without copying', () => {
    const a = encodeKeepalive();
    const b = msg(3, '0602');
    const chunk = new Uint8Array(a.length + b.length);
    chunk.set(a);
    chunk.set(b, a.length);
    const f = new MessageFramer();
    f.push(chunk);
    const out = drain(f);
    expect(out).toHaveLength(2);
    const [first, second] = out;
    expect(first?.ok && first.type).toBe(4);
    expect(second?.ok && second.bytes).toEqual(b);
    if (second?.ok) expect(second.bytes.buffer).toBe(chunk.buffer);
    expect(f.bufferedLength).toBe(0);
  });

  it('reassembles a message split byte by byte', () => {
    const m = msg(3, '0602 0568656c6c6f');
    const f = new MessageFramer();
    for (let i = 0; i < m.length - 1; i++) {
      f.push(m.subarray(i, i + 1));
      expect(f.next()).toBeUndefined();
    }
    f.push(m.subarray(m.length - 1));
    const r = f.next();
    expect(r?.ok && r.bytes).toEqual(m);
    expect(f.next()).toBeUndefined();
  });

  it('reports header errors as soon as the header is in, and stays failed', () => {
    const f = new MessageFramer();
    const bad = msg(2, '', 5000);
    f.push(bad);
    const r = f.next();
    expect(r?.ok).toBe(false);
    if (r && !r.ok) expect(r.error.notification).toEqual({ code: 1, subcode: 2, data: hex('1388') });
    f.push(encodeKeepalive());
    expect(f.next()?.ok).toBe(false);
    expect(drain(f)).toHaveLength(1);
  });

  it('accepts 65535-octet UPDATEs only after extended message, and never for OPEN', () => {
    const big = new Uint8Array(5000).fill(0);
    big.fill(0xff, 0, 16);
    big[16] = 5000 >> 8;
    big[17] = 5000 & 255;
    big[18] = 2;
    const f = new MessageFramer();
    f.setExtendedMessage(true);
    expect(f.maxMessageLength).toBe(65535);
    f.push(big);
    expect(f.next()?.ok).toBe(true);
    big[18] = 1;
    f.push(big);
    const r = f.next();
    expect(r && !r.ok && r.error.message).toMatch(/OPEN length 5000 is over 4096/);
  });

  it('checks the marker, the type and the per-type minimum', () => {
    const cases: [Uint8Array, number, Uint8Array][] = [
      [hex(`${MARKER.slice(2)}00 0013 04`), 1, new Uint8Array(0)],
      [msg(9, ''), 3, hex('09')],
      [msg(1, '04'), 2, hex('0014')],
      [msg(2, '0000'), 2, hex('0015')],
      [msg(5, '0001'), 2, hex('0015')],
      [hex(`${MARKER} 0012 04`), 2, hex('0012')],
    ];
    for (const [bytes, subcode, data] of cases) {
      const f = new MessageFramer();
      f.push(bytes);
      const r = f.next();
      expect(r && !r.ok && r.error.notification).toEqual({ code: 1, subcode, data });
    }
  });

  it('handles a large message arriving in 1-octet chunks, and many messages per chunk', () => {
    const body = Array.from({ length: 4000 }, (_, i) => (i & 255).toString(16).padStart(2, '0')).join('');
    const big = msg(3, `0602 ${body}`);
    const f = new MessageFramer();
    for (let i = 0; i < big.length; i++) f.push(big.subarray(i, i + 1));
    const r = f.next();
    expect(r?.ok && r.bytes).toEqual(big);
    const many = new Uint8Array(19 * 500);
    for (let i = 0; i < 500; i++) many.set(encodeKeepalive(), 19 * i);
    for (let i = 0; i < many.length; i += 7) f.push(many.subarray(i, i + 7));
    expect([...f].filter((x) => x.ok)).toHaveLength(500);
    expect(f.bufferedLength).toBe(0);
  });

  it('validates setMaxMessageLength', () => {
    const f = new MessageFramer({ maxMessageLength: 100 });
    expect(f.maxMessageLength).toBe(100);
    expect(() => f.setMaxMessageLength(10)).toThrow(RangeError);
    f.setMaxMessageLength(4096);
    f.setExtendedMessage(false);
    expect(f.maxMessageLength).toBe(4096);
    f.push(new Uint8Array(0));
    expect(f.bufferedLength).toBe(0);
  });
});
