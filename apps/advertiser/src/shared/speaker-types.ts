/**
 * The part of the @bgplb/bgp-fsm speaker API that the advertiser uses. The types are bgp-fsm's
 * own; `Speaker` names just the methods we call, so a fake speaker can drive the advertiser's
 * logic in unit tests while the real `BgpSpeaker` satisfies it.
 */
import type { CeaseReason, PathSpec, PeerOptions, PeerStatus, SpeakerEvent } from '@bgplb/bgp-fsm';

export type { FsmState, PathSpec, PeerOptions as PeerConfig, PeerStatus, SpeakerEvent } from '@bgplb/bgp-fsm';

/** What the advertiser needs from a speaker. */
export interface Speaker {
  on(event: 'event', listener: (e: SpeakerEvent) => void): unknown;
  addPeer(config: PeerOptions): void;
  removePeer(id: string, options?: { message?: string; cease?: CeaseReason }): Promise<void>;
  setPaths(prefix: string, paths: readonly PathSpec[], options?: { peers?: readonly string[] }): void;
  withdraw(prefix: string, options?: { peers?: readonly string[] }): void;
  peerStatus(id: string): PeerStatus | undefined;
  peers(): PeerStatus[];
  shutdown(options?: { message?: string }): Promise<void>;
}
