/** The low-allocation UPDATE decoder: prefixes go to a callback through one reused view. */
import { NotificationCode } from './constants.js';
import { BgpWireError, internalError } from './errors.js';
import { checkMessage } from './header.js';
import { createPrefixView, type PrefixView, walkNlri } from './nlri.js';
import { maxMessageLength, type SessionOptions } from './session.js';
import type { PathAttribute } from './types.js';
import { NO_WARNINGS, type ParseState, parseUpdate } from './update-parse.js';

/** Result of {@link decodeUpdateBulk}. */
export type BulkDecodeResult =
  | {
      ok: true;
      /** The attributes; MP_REACH/MP_UNREACH carry empty prefix lists (prefixes went to the callback). */
      attributes: PathAttribute[];
      announced: number;
      withdrawn: number;
      warnings: readonly BgpWireError[];
    }
  | {
      ok: false;
      /** For treat-as-withdraw, every prefix was already passed to the callback with `withdrawn: true`. */
      error: BgpWireError;
    };

const sharedView = createPrefixView();

/**
 * The low-allocation path for full tables: decodes and validates an UPDATE like
 * {@link decodeMessage}, but passes each prefix to `onPrefix` through one reused
 * {@link PrefixView} instead of creating an object per prefix. Withdrawals come first, then
 * announcements. Nothing is delivered for an UPDATE with a session-reset or AFI/SAFI-disable
 * error; on treat-as-withdraw every prefix is delivered as withdrawn. Never throws unless
 * `onPrefix` does.
 *
 * `bytes` is one whole UPDATE message, header included (e.g. from {@link MessageFramer}).
 */
export function decodeUpdateBulk(
  bytes: Uint8Array,
  options: SessionOptions,
  onPrefix: (prefix: PrefixView) => void,
): BulkDecodeResult {
  let st: ParseState;
  try {
    const header = checkMessage(bytes, maxMessageLength(options));
    if (header instanceof BgpWireError) return { ok: false, error: header };
    const end = header.length;
    if (header.type !== 2) {
      return {
        ok: false,
        error: new BgpWireError(`message type ${header.type} is not UPDATE`, {
          code: NotificationCode.MESSAGE_HEADER_ERROR,
          subcode: 3,
          data: Uint8Array.of(header.type),
        }),
      };
    }
    st = parseUpdate(bytes, end, options);
  } catch (cause) {
    return { ok: false, error: internalError(cause) };
  }
  const view = sharedView;
  if (st.error !== undefined && st.error.action !== 'treat-as-withdraw')
    return { ok: false, error: st.error };
  let announced = 0;
  let withdrawn = 0;
  const asWithdraw = st.error !== undefined;
  for (const s of st.sections) {
    view.withdrawn = s.withdrawn || asWithdraw;
    view.safi = s.safi;
    const count = walkNlri(bytes, s.start, s.end, s.afi, s.addPath, view, onPrefix);
    if (view.withdrawn) withdrawn += count;
    else announced += count;
  }
  if (st.error !== undefined) return { ok: false, error: st.error };
  return {
    ok: true,
    attributes: st.attributes,
    announced,
    withdrawn,
    warnings: st.warnings.length === 0 ? NO_WARNINGS : st.warnings,
  };
}
