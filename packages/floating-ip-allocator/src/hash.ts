/**
 * Rendezvous (highest-random-weight) hashing.
 *
 * Every placement decision in this package breaks ties with rendezvous hashing so that the
 * same inputs, in any order, give the same answer on every replica and in every process
 * (controller, node agent). The hash is MurmurHash3 (x86, 32-bit) written with 32-bit
 * integer arithmetic only, so it is identical on every JavaScript engine and platform.
 * Changing it changes every placement in a running cluster: treat it as a wire format.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function scramble(k: number): number {
  let x = Math.imul(k, C1);
  x = (x << 15) | (x >>> 17);
  return Math.imul(x, C2);
}

function round(h: number, k: number): number {
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** MurmurHash3-32 of a string's UTF-16 code units (two per 32-bit block). Unsigned result. */
export function hashString(text: string, seed = 0): number {
  let h = seed | 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    h = round(h, scramble(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)));
  }
  if (i < n) h ^= scramble(text.charCodeAt(i));
  h ^= n * 2;
  return finalize(h);
}

/** MurmurHash3-32 of the 8-byte message (a, b): the rendezvous weight of a pair of hashes. */
export function pairWeight(a: number, b: number): number {
  let h = 0x2f0b3c5d;
  h = round(h, scramble(a | 0));
  h = round(h, scramble(b | 0));
  h ^= 8;
  return finalize(h);
}

// Candidate names (node names) repeat across thousands of calls; cache their hashes.
const candidateHashes = new Map<string, number>();
const CANDIDATE_CACHE_LIMIT = 65_536;

/** hashString(name), memoised (node names and next-hop addresses repeat across many calls). */
export function candidateHash(name: string): number {
  let h = candidateHashes.get(name);
  if (h === undefined) {
    if (candidateHashes.size >= CANDIDATE_CACHE_LIMIT) candidateHashes.clear();
    h = hashString(name);
    candidateHashes.set(name, h);
  }
  return h;
}

/**
 * The rendezvous weight of `candidate` for `key`: an unsigned 32-bit integer. Higher wins;
 * equal weights are broken by the candidate string (lexicographically smaller wins).
 */
export function rendezvousWeight(key: string, candidate: string): number {
  return pairWeight(hashString(key), candidateHash(candidate));
}

/** True when candidate a (weight wa) ranks before candidate b (weight wb). */
export function ranksBefore(wa: number, a: string, wb: number, b: string): boolean {
  return wa > wb || (wa === wb && a < b);
}

/**
 * The `k` highest-ranked candidates for `key`, best first (top-k rendezvous hashing).
 *
 * Deterministic and independent of the order of `candidates`; duplicates count once.
 * Returns fewer than `k` when there are fewer distinct candidates. Removing a candidate
 * never reorders the others; adding one inserts it at its rank and shifts nothing else.
 * The node agent uses this to pick per-session next hops: session i announces entry i.
 */
export function rendezvousTopK(key: string, candidates: readonly string[], k: number): string[] {
  const hashes = new Array<number>(candidates.length);
  for (let i = 0; i < candidates.length; i++) hashes[i] = candidateHash(candidates[i]!);
  return topKByHash(hashString(key), candidates, hashes, k);
}

/**
 * rendezvousTopK with the key and candidate hashes computed by the caller (hashString), for
 * callers that rank many keys over the same candidates.
 */
export function topKByHash(
  keyHash: number,
  candidates: readonly string[],
  candidateHashes: readonly number[],
  k: number,
): string[] {
  const limit = Math.min(Math.max(0, Math.floor(k)), candidates.length);
  if (limit === 0) return [];
  // Bounded insertion sort with manual shifting: k is small (sessions per peer) and there are
  // tens of candidates, so this beats sorting everything and allocates only the result.
  const names: string[] = new Array(limit);
  const weights: number[] = new Array(limit);
  let size = 0;
  for (let i = 0; i < candidates.length; i++) {
    const name = candidates[i]!;
    const w = pairWeight(keyHash, candidateHashes[i]!);
    if (size === limit && !ranksBefore(w, name, weights[size - 1]!, names[size - 1]!)) continue;
    let pos = size;
    while (pos > 0 && ranksBefore(w, name, weights[pos - 1]!, names[pos - 1]!)) pos--;
    if (pos > 0 && names[pos - 1] === name) continue; // duplicate candidate
    let j = size < limit ? size++ : size - 1;
    for (; j > pos; j--) {
      names[j] = names[j - 1]!;
      weights[j] = weights[j - 1]!;
    }
    names[pos] = name;
    weights[pos] = w;
  }
  if (size < limit) names.length = size;
  return names;
}
