/**
 * Adj-RIB-Out of one peer: what was sent, per prefix, with the ADD-PATH path identifier of each
 * path. `update` diffs the desired paths of a prefix against it and returns only the difference.
 */
import { attributeKey, type PathSpec } from './paths.js';

export interface SentPath {
  /** RFC 7911 path identifier; 0 without ADD-PATH. Stable while the next hop stays. */
  pathId: number;
  /** The path as sent (normalized; shared between prefixes when interned). */
  spec: PathSpec;
}

/** Same next hop and attributes (identity first: interned paths compare by reference). */
function samePath(a: PathSpec, b: PathSpec): boolean {
  return a === b || (a.nextHop === b.nextHop && attributeKey(a) === attributeKey(b));
}

/** The difference for one prefix: paths to announce (new or changed) and path ids to withdraw. */
export interface RibChange {
  prefix: string;
  announce: readonly SentPath[];
  withdraw: readonly number[];
}

const NO_WITHDRAWALS: readonly number[] = Object.freeze([]);

export class AdjRibOut {
  private readonly sent = new Map<string, SentPath[]>();
  private pathCount = 0;

  /** Number of prefixes with at least one path sent. */
  get prefixCount(): number {
    return this.sent.size;
  }

  /** Number of paths sent (ADD-PATH counts each). */
  get paths(): number {
    return this.pathCount;
  }

  prefixes(): IterableIterator<string> {
    return this.sent.keys();
  }

  get(prefix: string): readonly SentPath[] | undefined {
    return this.sent.get(prefix);
  }

  clear(): void {
    this.sent.clear();
    this.pathCount = 0;
  }

  /**
   * Records `desired` as the paths of `prefix` and returns what must be sent, or undefined when
   * nothing changed. With `addPath`, paths are keyed by next hop: a new next hop gets the lowest
   * free path id, a changed one keeps its id, a removed one is withdrawn. Without it, `desired`
   * holds at most one path (the selector's choice), sent with implicit replacement. `force`
   * re-announces unchanged paths (route refresh).
   */
  update(
    prefix: string,
    desired: readonly PathSpec[],
    addPath: boolean,
    force = false,
  ): RibChange | undefined {
    const old = this.sent.get(prefix);
    const announce: SentPath[] = [];
    const withdraw: number[] = [];
    let next: SentPath[];
    if (!addPath) {
      const want = desired[0];
      const had = old?.[0];
      if (want === undefined) {
        if (had === undefined) return undefined;
        withdraw.push(0);
        next = [];
      } else {
        if (!force && had !== undefined && samePath(had.spec, want)) return undefined;
        const path = { pathId: 0, spec: want };
        announce.push(path);
        next = [path];
      }
    } else if (old === undefined) {
      // A new prefix (the bulk case): ids 1..n in order; the stored list is the announcement.
      if (desired.length === 0) return undefined;
      const fresh: SentPath[] = new Array(desired.length);
      for (let i = 0; i < desired.length; i++) fresh[i] = { pathId: i + 1, spec: desired[i]! };
      this.pathCount += fresh.length;
      this.sent.set(prefix, fresh);
      return { prefix, announce: fresh, withdraw: NO_WITHDRAWALS };
    } else {
      const wanted = new Map<string, PathSpec>();
      for (const p of desired) wanted.set(p.nextHop, p);
      next = [];
      const used = new Set<number>();
      for (const had of old) {
        const want = wanted.get(had.spec.nextHop);
        if (want === undefined) {
          withdraw.push(had.pathId);
          continue;
        }
        wanted.delete(had.spec.nextHop);
        used.add(had.pathId);
        if (force || !samePath(had.spec, want)) {
          const path = { pathId: had.pathId, spec: want };
          announce.push(path);
          next.push(path);
        } else {
          next.push(had);
        }
      }
      let id = 1;
      for (const want of wanted.values()) {
        while (used.has(id)) id++;
        used.add(id);
        const path = { pathId: id, spec: want };
        announce.push(path);
        next.push(path);
      }
      if (announce.length === 0 && withdraw.length === 0) return undefined;
    }
    this.pathCount += next.length - (old?.length ?? 0);
    if (next.length === 0) this.sent.delete(prefix);
    else this.sent.set(prefix, next);
    return { prefix, announce, withdraw };
  }
}
