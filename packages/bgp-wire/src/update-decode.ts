/** UPDATE decoding to objects: every prefix becomes an Nlri; treat-as-withdraw lists the routes. */
import type { BgpWireError } from './errors.js';
import { readNlri } from './nlri.js';
import type { SessionOptions } from './session.js';
import type { Nlri, RouteKey, UpdateMessage } from './types.js';

import { NO_WARNINGS, parseUpdate, type Section } from './update-parse.js';

/** Result of decoding one message. `warnings` lists attribute-discard errors already applied. */
export type DecodeResult<M> =
  | { ok: true; message: M; warnings: readonly BgpWireError[] }
  | { ok: false; error: BgpWireError };

function routeKeys(b: Uint8Array, sections: Section[]): RouteKey[] {
  const keys: RouteKey[] = [];
  for (const s of sections) {
    const list: Nlri[] = [];
    readNlri(b, s.start, s.end, s.afi, s.addPath, list);
    for (const n of list) {
      const key: RouteKey = { afi: s.afi, safi: s.safi, prefix: n.prefix };
      if (n.pathId !== undefined) key.pathId = n.pathId;
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Decodes an UPDATE (`b` is the whole message, `end` its length, header already checked).
 * On treat-as-withdraw the error's `withdraw` lists every route the UPDATE carried.
 */
export function decodeUpdate(
  b: Uint8Array,
  end: number,
  options: SessionOptions,
): DecodeResult<UpdateMessage> {
  const st = parseUpdate(b, end, options);
  if (st.error !== undefined) {
    if (st.error.action === 'treat-as-withdraw') st.error.withdraw = routeKeys(b, st.sections);
    return { ok: false, error: st.error };
  }
  for (const s of st.sections) readNlri(b, s.start, s.end, s.afi, s.addPath, s.target);
  return {
    ok: true,
    message: { type: 'update', withdrawn: st.withdrawn, attributes: st.attributes, nlri: st.nlri },
    warnings: st.warnings.length === 0 ? NO_WARNINGS : st.warnings,
  };
}
