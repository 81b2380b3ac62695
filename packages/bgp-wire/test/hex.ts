/** Test helpers: hex strings with spaces/comments -> bytes, and message framing. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2 !== 0) throw new Error(`odd hex length in ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const MARKER = 'ffffffffffffffffffffffffffffffff';

/** Builds a whole message: marker, length (computed unless given), type, body hex. */
export function msg(type: number, body: string, length?: number): Uint8Array {
  const b = hex(body);
  const total = length ?? 19 + b.length;
  const out = new Uint8Array(19 + b.length);
  out.fill(0xff, 0, 16);
  out[16] = total >>> 8;
  out[17] = total & 255;
  out[18] = type;
  out.set(b, 19);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** An UPDATE from hex parts: withdrawn routes, path attributes, NLRI (lengths computed). */
export function update(withdrawn: string, attributes: string, nlri: string): Uint8Array {
  const w = hex(withdrawn);
  const a = hex(attributes);
  const n = hex(nlri);
  const body = new Uint8Array(4 + w.length + a.length + n.length);
  body[0] = w.length >>> 8;
  body[1] = w.length & 255;
  body.set(w, 2);
  body[2 + w.length] = a.length >>> 8;
  body[3 + w.length] = a.length & 255;
  body.set(a, 4 + w.length);
  body.set(n, 4 + w.length + a.length);
  return msg(2, toHex(body));
}
