import { EventEmitter } from 'node:events';
import type {
  CeaseReason,
  FsmState,
  PathSpec,
  PeerOptions,
  PeerStatus,
  Speaker,
  SpeakerEvent,
} from '../shared/speaker-types.js';

/** Records what the advertiser asks of a speaker; tests move peers through states by hand. */
export class FakeSpeaker implements Speaker {
  readonly calls: string[] = [];
  readonly configs = new Map<string, PeerOptions>();
  readonly paths = new Map<string, PathSpec[]>();
  private readonly status = new Map<string, PeerStatus>();
  private readonly emitter = new EventEmitter();
  shutdownMessage: string | undefined;
  /** The options of the last shutdown() (graceful or not). */
  lastShutdown: { message?: string; graceful?: boolean } | undefined;

  on(_event: 'event', listener: (e: SpeakerEvent) => void): this {
    this.emitter.on('event', listener);
    return this;
  }

  emit(e: SpeakerEvent): void {
    this.emitter.emit('event', e);
  }

  addPeer(config: PeerOptions): void {
    const id = config.id ?? config.peerAddress;
    if (this.configs.has(id)) throw new Error(`peer ${id} exists`);
    this.calls.push(`addPeer ${id}`);
    this.configs.set(id, config);
    this.status.set(id, {
      id,
      state: 'Idle',
      uptime: 0,
      counters: {
        messagesIn: {},
        messagesOut: {},
        prefixesAnnounced: 0,
        pathsAnnounced: 0,
        prefixesReceived: 0,
        prefixesReceivedByFamily: {},
        prefixesIgnored: 0,
        peerErrors: {},
        flaps: 0,
      },
      lastStateChange: new Date(0),
      advertisedPrefixes: [],
    });
  }

  async removePeer(
    id: string,
    options?: { message?: string; graceful?: boolean; cease?: CeaseReason },
  ): Promise<void> {
    const cease = options?.cease === undefined ? '' : ` [${options.cease}]`;
    this.calls.push(`removePeer ${id} ${options?.message ?? ''}`.trim() + cease);
    this.configs.delete(id);
    this.status.delete(id);
  }

  setPaths(prefix: string, paths: readonly PathSpec[], options?: { peers?: readonly string[] }): void {
    this.calls.push(
      `setPaths ${prefix} ${paths.map((p) => p.nextHop).join(',')}${options?.peers ? ` peers=${options.peers}` : ''}`,
    );
    this.paths.set(prefix, [...paths]);
  }

  /** Nothing to send early: the fake has no batching window (not in `calls`: it changes no route). */
  flush(): void {}

  withdraw(prefix: string, options?: { peers?: readonly string[] }): void {
    this.calls.push(`withdraw ${prefix}${options?.peers ? ` peers=${options.peers}` : ''}`);
    this.paths.delete(prefix);
  }

  setState(id: string, state: FsmState, extra: Partial<PeerStatus> = {}): void {
    const s = this.status.get(id);
    if (!s) throw new Error(`no peer ${id}`);
    const from = s.state;
    Object.assign(s, { state, lastStateChange: new Date(), ...extra });
    if (state === 'Established' && !s.establishedSince) s.establishedSince = new Date(1_000);
    this.emit({ type: 'state', peer: id, from, to: state, reason: 'test' });
  }

  peerStatus(id: string): PeerStatus | undefined {
    return this.status.get(id);
  }

  peers(): PeerStatus[] {
    return [...this.status.values()];
  }

  async shutdown(options?: { message?: string; graceful?: boolean }): Promise<void> {
    this.calls.push(`shutdown ${options?.message ?? ''}`.trim());
    this.shutdownMessage = options?.message;
    this.lastShutdown = options;
    this.configs.clear();
    this.status.clear();
  }
}
