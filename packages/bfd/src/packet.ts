/**
 * The BFD Control packet of RFC 5880 §4.1 as a plain object. Intervals are in microseconds, as on
 * the wire. Authentication (the A bit and its section) is not supported: such packets are
 * discarded on receipt (see codec.ts), so the object has no authentication fields.
 */

/** Session states (RFC 5880 §4.1 `Sta`), by their wire values 0-3. */
export const BFD_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
export type BfdState = (typeof BFD_STATES)[number];

/** Diagnostic codes (RFC 5880 §4.1 `Diag`), by their wire values 0-8. */
export const BFD_DIAGNOSTICS = [
  'none',
  'control-detection-time-expired',
  'echo-function-failed',
  'neighbor-signaled-session-down',
  'forwarding-plane-reset',
  'path-down',
  'concatenated-path-down',
  'administratively-down',
  'reverse-concatenated-path-down',
] as const;
export type BfdDiagnostic = (typeof BFD_DIAGNOSTICS)[number];

/** The protocol version this codec speaks and accepts (RFC 5880 §4.1). */
export const BFD_VERSION = 1;
/** Length of a Control packet without an authentication section. */
export const BFD_CONTROL_LENGTH = 24;

export interface BfdControlPacket {
  /** Diagnostic of the sender's last state change. */
  diagnostic: BfdDiagnostic;
  state: BfdState;
  /** Poll (P): the sender asks for a Final. */
  poll: boolean;
  /** Final (F): the answer to a Poll. */
  final: boolean;
  /** Control Plane Independent (C). */
  controlPlaneIndependent: boolean;
  /** Demand (D). */
  demand: boolean;
  detectMultiplier: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
}
