import type { PathSpec, PeerOptions } from '../shared/speaker-types.js';
import { FakeSpeaker } from './fake-speaker.js';

/** How a scripted peer behaves. */
export type PeerScript =
  | 'establish'
  | 'refused'
  | 'bad-peer-as'
  | 'silent'
  | 'hold-expired'
  | 'refuse-route'
  | 'filter-route'
  | 'no-update';

/**
 * A fake speaker whose peers follow a script, emitting the events the real speaker would
 * (asynchronously, a few ms apart), so preflight and the run command can be tested end to end
 * without sockets.
 */
export class ScriptedSpeaker extends FakeSpeaker {
  private readonly timers = new Set<NodeJS.Timeout>();
  constructor(private readonly scripts: Record<string, PeerScript>) {
    super();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  override addPeer(config: PeerOptions): void {
    super.addPeer(config);
    const id = config.id ?? config.peerAddress;
    const script = this.scripts[id] ?? 'establish';
    const step = (fn: () => void, ms = 2) => this.later(ms, () => this.peerStatus(id) && fn());
    step(() => this.setState(id, 'Connect'));
    switch (script) {
      case 'refused':
        step(() => {
          const err = Object.assign(new Error(`connect ECONNREFUSED ${id}:179`), { code: 'ECONNREFUSED' });
          this.emit({ type: 'error', peer: id, error: err });
          this.setState(id, 'Active');
        }, 5);
        break;
      case 'bad-peer-as':
        step(() => this.setState(id, 'OpenSent'), 4);
        step(() => {
          this.emit({
            type: 'notification-received',
            peer: id,
            code: 2,
            subcode: 2,
            text: 'OPEN Message Error/Bad Peer AS',
          });
          this.setState(id, 'Idle');
        }, 6);
        break;
      case 'hold-expired':
        step(() => this.setState(id, 'OpenSent'), 4);
        step(() => this.emitState(id, 'OpenSent', 'Idle', 'hold-timer-expired'), 6);
        break;
      case 'silent':
        break;
      default:
        step(() => this.setState(id, 'OpenSent'), 4);
        step(() => this.setState(id, 'OpenConfirm'), 6);
        step(() => {
          this.setState(id, 'Established');
          // Like the real speaker: what is in the Adj-RIB-Out goes out once Established.
          for (const [prefix, paths] of this.paths) this.sendTo(id, prefix, paths, script);
        }, 8);
    }
  }

  private emitState(id: string, from: 'OpenSent', to: 'Idle', reason: string): void {
    const s = this.peerStatus(id);
    if (s) s.state = to;
    this.emit({ type: 'state', peer: id, from, to, reason });
  }

  override setPaths(prefix: string, paths: PathSpec[], options?: { peers?: string[] }): void {
    super.setPaths(prefix, paths, options);
    for (const id of options?.peers ?? [...this.configs.keys()]) {
      this.later(3, () => this.sendTo(id, prefix, paths, this.scripts[id] ?? 'establish'));
    }
  }

  private sendTo(id: string, prefix: string, paths: PathSpec[], script: PeerScript): void {
    const s = this.peerStatus(id);
    if (script === 'no-update' || s?.state !== 'Established') return;
    s.advertisedPrefixes = [...new Set([...s.advertisedPrefixes, prefix])];
    this.emit({
      type: 'update-sent',
      peer: id,
      nlri: [prefix],
      withdrawn: [],
      attributes: `{Nexthop: ${paths[0]?.nextHop}}`,
    });
    if (script === 'establish') {
      // The peer accepts the route and, like FRR, advertises it back with its AS prepended.
      this.later(3, () =>
        this.emit({
          type: 'update-received',
          peer: id,
          nlri: [prefix],
          withdrawn: [],
          attributes: `[{Origin: i} 65002 65001 {Nexthop: ${id}}]`,
        }),
      );
    }
    if (script === 'refuse-route') {
      this.later(5, () => {
        this.emit({
          type: 'notification-received',
          peer: id,
          code: 3,
          subcode: 1,
          text: 'UPDATE Message Error/Malformed Attribute List',
        });
        this.setState(id, 'Idle');
      });
    }
  }

  override withdraw(prefix: string, options?: { peers?: string[] }): void {
    super.withdraw(prefix, options);
    for (const id of options?.peers ?? [...this.configs.keys()]) {
      this.later(3, () => {
        const s = this.peerStatus(id);
        if (!s) return;
        s.advertisedPrefixes = s.advertisedPrefixes.filter((p) => p !== prefix);
        this.emit({ type: 'update-sent', peer: id, nlri: [], withdrawn: [prefix], attributes: '' });
      });
    }
  }

  override async shutdown(options?: { message?: string }): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await super.shutdown(options);
  }
}
