import { NotificationCode } from './constants.js';
import type { FamilyKey, RouteKey } from './types.js';

/**
 * How a receiver must handle an error (RFC 7606 §2), most severe first:
 * - `session-reset`: send the NOTIFICATION and close the session;
 * - `afi-safi-disable`: stop using that address family (RFC 4760 §7); {@link BgpWireError.family};
 * - `treat-as-withdraw`: withdraw every prefix of the UPDATE ({@link BgpWireError.withdraw});
 * - `attribute-discard`: drop the attribute, keep the rest of the UPDATE.
 */
export type ErrorAction = 'session-reset' | 'afi-safi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const SEVERITY: Record<ErrorAction, number> = {
  'session-reset': 3,
  'afi-safi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

/** Orders two error actions; positive when `a` is more severe than `b`. */
export function compareSeverity(a: ErrorAction, b: ErrorAction): number {
  return SEVERITY[a] - SEVERITY[b];
}

/** The NOTIFICATION a receiver would send for an error. */
export interface NotificationInfo {
  code: number;
  subcode: number;
  data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** A decoding error: the NOTIFICATION to send, how to handle it, and a human message. */
export class BgpWireError extends Error {
  override readonly name = 'BgpWireError';
  readonly notification: NotificationInfo;
  readonly action: ErrorAction;
  /** The attribute type code the error is about, when it is about one. */
  readonly attributeCode: number | undefined;
  /** For `treat-as-withdraw`: every route the UPDATE carried (announced or withdrawn). */
  withdraw: RouteKey[] | undefined;
  /** For `afi-safi-disable`: the family to disable. */
  family: FamilyKey | undefined;
  /**
   * True when the error came from an unexpected exception inside the codec (a bug, never a
   * property of the input). The fuzzer treats it as a crash.
   */
  readonly internal: boolean;

  constructor(
    message: string,
    notification: { code: number; subcode: number; data?: Uint8Array },
    action: ErrorAction = 'session-reset',
    options: { attributeCode?: number; family?: FamilyKey; internal?: boolean } = {},
  ) {
    super(message);
    this.notification = {
      code: notification.code,
      subcode: notification.subcode,
      data: notification.data ?? EMPTY,
    };
    this.action = action;
    this.attributeCode = options.attributeCode;
    this.family = options.family;
    this.withdraw = undefined;
    this.internal = options.internal ?? false;
  }
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

/**
 * Human text for a NOTIFICATION code and subcode, e.g. `describeNotification(6, 2)` is
 * `'Cease/Administrative Shutdown'`. Subcode 0 gives the code name alone; unknown values are
 * shown as numbers (`'Cease/subcode 42'`, `'code 9/subcode 1'`).
 */
export function describeNotification(code: number, subcode: number): string {
  const codeName = CODE_NAMES[code];
  if (codeName === undefined) return `code ${code}/subcode ${subcode}`;
  if (subcode === 0) return codeName;
  const sub = SUBCODE_NAMES[code]?.[subcode];
  return `${codeName}/${sub ?? `subcode ${subcode}`}`;
}

/** Wraps an unexpected exception (a codec bug) as a session-reset error flagged `internal`. */
export function internalError(cause: unknown): BgpWireError {
  const text = cause instanceof Error ? cause.message : String(cause);
  return new BgpWireError(
    `internal decoder error: ${text}`,
    { code: NotificationCode.CEASE, subcode: 0 },
    'session-reset',
    {
      internal: true,
    },
  );
}
