/**
 * A fake BFD manager for next-hop liveness tests: records the sessions liveness asks for and lets
 * the test drive their state changes and silences on a FakeClock.
 */
import { EventEmitter } from 'node:events';
import type { BfdPeer, BfdPeerOptions, BfdStateChange } from '@bgplb/bfd';
import type { Clock } from '@bgplb/kube-runtime';

/** The clock the fakes read (a FakeClock, or Date.now under vitest's fake timers). */
type Now = Pick<Clock, 'now'>;

export type State = 'AdminDown' | 'Down' | 'Init' | 'Up';

/** A BFD manager that records sessions and lets the test drive their state. */
export class FakeBfd extends EventEmitter {
  constructor(private readonly clock: Now) {
    super();
  }

  readonly sessions: { options: BfdPeerOptions; peer: BfdPeer; fake: FakeSession }[] = [];
  readonly removed: string[] = [];
  failFor = new Set<string>();

  async addSession(options: BfdPeerOptions): Promise<BfdPeer> {
    if (this.failFor.has(options.peer)) throw new Error(`cannot bind for ${options.peer}`);
    const fake = new FakeSession(this.clock);
    const peer = { peer: options.peer, session: fake } as unknown as BfdPeer;
    this.sessions.push({ options, peer, fake });
    return peer;
  }

  async removeSession(peer: BfdPeer): Promise<void> {
    this.removed.push(peer.peer);
    const i = this.sessions.findIndex((s) => s.peer === peer);
    if (i >= 0) this.sessions.splice(i, 1);
  }

  /** The peer's packets stop arriving from `at` on (a cut), without a state change yet. */
  silence(peerAddress: string, at: number): void {
    const s = this.sessions.find((x) => x.options.peer === peerAddress);
    if (!s) throw new Error(`no session to ${peerAddress}`);
    s.fake.silentFrom = at;
  }

  /** Moves the session to `peer` to `to` at `at`, as the manager reports it. */
  set(peerAddress: string, to: State, at: number, remoteState: State = 'Up'): void {
    const s = this.sessions.find((x) => x.options.peer === peerAddress);
    if (!s) throw new Error(`no session to ${peerAddress}`);
    const from = s.fake.state;
    s.fake.state = to;
    s.fake.context.remoteState = remoteState;
    if (from === 'Up' && to !== 'Up') s.fake.lastPacket = s.fake.silentFrom ?? at - 900;
    if (to === 'Up') s.fake.silentFrom = undefined;
    const change: BfdStateChange = {
      from,
      to,
      diagnostic: to === 'Up' ? 'none' : 'control-detection-time-expired',
      at,
      detectionTimeMs: 900,
    };
    this.emit('state', s.peer, change);
  }
}

/** While Up it keeps hearing its peer (the last packet is always "just now"). */
export class FakeSession {
  state: State = 'Down';
  lastPacket: number | undefined;
  detectionTimeMs = 900;
  context: { remoteState: State } = { remoteState: 'Down' };
  /** Set when the peer's packets stop arriving while the session is still Up. */
  silentFrom: number | undefined;
  constructor(private readonly clock: Now) {}
  get lastReceivedAt(): number | undefined {
    if (this.silentFrom !== undefined) return this.silentFrom;
    return this.state === 'Up' ? this.clock.now() : this.lastPacket;
  }
}
