/**
 * BFD for BGP peers (RFC 5882): a peer with `bfd` options gets a BFD session to the same address
 * from the same local address. When BFD leaves Up, the BGP session ends at once with Cease/BFD
 * Down (RFC 9384) instead of waiting for its hold timer. Without `strict` the BGP session does not
 * wait for BFD: it starts at once and restarts after a BFD Down like after any error (IdleHold
 * back-off). With `strict` it starts only when BFD is Up and stays Idle while BFD is Down.
 */
import {
  BfdConfigError,
  type BfdDiagnostic,
  type BfdManager,
  type BfdPeer,
  type BfdState,
  type BfdStateChange,
  resolvePeerOptions,
} from '@bgplb/bfd';

/** The `bfd` option of a peer. */
export interface PeerBfdOptions {
  /** Desired Min TX Interval once Up, ms. Default 300. */
  minTxMs?: number;
  /** Required Min RX Interval, ms. Default 300. */
  minRxMs?: number;
  /** Detect Mult. Default 3. */
  multiplier?: number;
  /** RFC 5883 multihop (UDP 4784); default false (RFC 5881 single-hop, UDP 3784). */
  multihop?: boolean;
  /** Hold the BGP session Idle until BFD is Up (and while it is Down). Default false. */
  strict?: boolean;
  /** The peer's BFD port (tests). */
  port?: number;
}

/** The callbacks of a BGP session that BFD drives. */
export interface BfdDrivenSession {
  readonly id: string;
  start(): void;
  bfdDown(hold: boolean): void;
}

/** Validates a peer's `bfd` option; throws a RangeError naming the peer and the field. */
export function checkPeerBfd(id: string, localAddress: string, peerAddress: string, o: PeerBfdOptions): void {
  try {
    resolvePeerOptions({ peer: peerAddress, local: localAddress, ...o });
  } catch (err) {
    if (err instanceof BfdConfigError) throw new RangeError(`peer ${id}: bfd: ${err.message}`);
    throw err;
  }
}

/** BFD state changes of a peer so far, by the state entered and the diagnostic. */
export type BfdTransitionCounts = Partial<Record<BfdState, Partial<Record<BfdDiagnostic, number>>>>;

/** What a speaker reports of a peer's BFD session (`PeerStatus.bfd`). */
export interface PeerBfdStatus {
  /** Down until the BFD socket is bound and the first change arrives. */
  state: BfdState;
  /** Cumulative over the peer's life (removing the peer forgets them). */
  transitions: BfdTransitionCounts;
}

interface Binding {
  session: BfdDrivenSession;
  strict: boolean;
  peer: BfdPeer | undefined;
  removed: boolean;
  transitions: BfdTransitionCounts;
}

export class BfdPeers {
  private readonly bindings = new Map<string, Binding>();
  private readonly byPeer = new Map<BfdPeer, Binding>();
  private manager: BfdManager | undefined;

  constructor(
    private readonly getManager: () => BfdManager,
    private readonly onError: (id: string, error: Error) => void,
    /** Every state change of a peer's BFD session, after the BGP session was told. */
    private readonly onChange: (id: string, change: BfdStateChange) => void = () => {},
  ) {}

  /** Starts BFD for a session; the session itself is started here unless `strict`. */
  add(session: BfdDrivenSession, localAddress: string, peerAddress: string, o: PeerBfdOptions): void {
    const manager = this.attach();
    const binding: Binding = {
      session,
      strict: o.strict ?? false,
      peer: undefined,
      removed: false,
      transitions: {},
    };
    this.bindings.set(session.id, binding);
    const { strict: _strict, ...bfd } = o;
    manager.addSession({ peer: peerAddress, local: localAddress, ...bfd }).then(
      (peer) => {
        if (binding.removed) {
          void manager.removeSession(peer);
          return;
        }
        binding.peer = peer;
        this.byPeer.set(peer, binding);
      },
      (err: unknown) => this.onError(session.id, err instanceof Error ? err : new Error(String(err))),
    );
    if (!binding.strict) session.start();
  }

  /** BFD state of a session's peer (undefined without BFD or before its socket is bound). */
  state(id: string): BfdState | undefined {
    return this.bindings.get(id)?.peer?.state;
  }

  /** What to report of a session's BFD (undefined without BFD). */
  status(id: string): PeerBfdStatus | undefined {
    const binding = this.bindings.get(id);
    if (!binding) return undefined;
    const transitions: BfdTransitionCounts = {};
    for (const [to, byDiagnostic] of Object.entries(binding.transitions))
      transitions[to as BfdState] = { ...byDiagnostic };
    return { state: binding.peer?.state ?? 'Down', transitions };
  }

  /** Stops BFD for a session (AdminDown goes to the peer). */
  async remove(id: string): Promise<void> {
    const binding = this.bindings.get(id);
    if (!binding) return;
    binding.removed = true;
    this.bindings.delete(id);
    if (binding.peer) {
      this.byPeer.delete(binding.peer);
      await this.manager?.removeSession(binding.peer);
    }
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.bindings.keys()].map((id) => this.remove(id)));
  }

  private attach(): BfdManager {
    if (this.manager) return this.manager;
    const manager = this.getManager();
    this.manager = manager;
    manager.on('state', (peer, change) => {
      const binding = this.byPeer.get(peer);
      if (!binding) return;
      const byDiagnostic = binding.transitions[change.to] ?? {};
      byDiagnostic[change.diagnostic] = (byDiagnostic[change.diagnostic] ?? 0) + 1;
      binding.transitions[change.to] = byDiagnostic;
      if (change.to === 'Up') {
        if (binding.strict) binding.session.start();
      } else if (change.from === 'Up') {
        binding.session.bfdDown(binding.strict);
      }
      this.onChange(binding.session.id, change);
    });
    return manager;
  }
}
