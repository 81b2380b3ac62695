/**
 * The part of the @bgplb/bgp-fsm speaker the advertiser uses, as types picked from `BgpSpeaker`
 * itself: the real speaker satisfies them without a cast, and a fake speaker in unit tests must
 * implement exactly the same signatures.
 */
import type { BgpSpeaker, SpeakerEvent } from '@bgplb/bgp-fsm';

export type {
  CeaseReason,
  FsmState,
  ListenHandle,
  PathSpec,
  PeerOptions,
  PeerStatus,
  SpeakerEvent,
} from '@bgplb/bgp-fsm';

/**
 * Subscribing to the speaker's events. Spelled out rather than `Pick<BgpSpeaker, 'on'>`: that
 * `on` returns the polymorphic `this`, which Pick fixes to `BgpSpeaker`, so no fake could have it.
 */
export interface SpeakerEventSource {
  on(event: 'event', listener: (e: SpeakerEvent) => void): unknown;
}

/** What the control-plane advertiser and preflight need from a speaker. */
export type Speaker = SpeakerEventSource &
  Pick<
    BgpSpeaker,
    'addPeer' | 'removePeer' | 'setPaths' | 'withdraw' | 'flush' | 'peerStatus' | 'peers' | 'shutdown'
  >;

/** What the node agent needs: the same, plus passive listeners on floating IPs. */
export type AgentSpeaker = Speaker & Pick<BgpSpeaker, 'listen'>;
