/**
 * A 53-bit hash of a string (cyrb53: two 32-bit multiply-xorshift lanes), kept as a number where
 * the controller remembers "what mattered last time" of 20k+ objects: a number per entry instead
 * of a JSON string of a few hundred bytes. Two different inputs collide with a chance of about
 * 2^-53 per comparison; a collision would hide one change until the next resync's full pass.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
