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
