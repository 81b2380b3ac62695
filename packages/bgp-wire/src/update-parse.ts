/**
 * UPDATE parsing (RFC 4271 §4.3, RFC 4760, RFC 7911) with RFC 7606 revised error handling: one
 * pass over the message that validates every length, decodes the path attributes, records where
 * each NLRI run is (without reading the prefixes) and keeps the most severe error. Shared by
 * decodeUpdate (objects) and decodeUpdateBulk (callback). Nothing is allocated in proportion to a
 * length field before the field has been checked against the bytes that remain.
 */
import { formatIpv4, formatIpv6 } from './address.js';
import { type AttributeFailure, CANONICAL_FLAGS, decodeKnownAttribute } from './attributes-decode.js';
import {
  AS_TRANS,
  AttributeCode,
  AttributeFlag,
  HEADER_LENGTH,
  NotificationCode,
  UpdateSubcode,
} from './constants.js';
import { BgpWireError, compareSeverity, type ErrorAction } from './errors.js';
import { checkNlri } from './nlri.js';
import type { SessionOptions } from './session.js';
import type {
  AfiNumber,
  AsPathSegment,
  FamilyKey,
  MpReachAttribute,
  MpUnreachAttribute,
  Nlri,
  PathAttribute,
} from './types.js';

/** A validated run of NLRI inside the message. */
export interface Section {
  afi: AfiNumber;
  safi: number;
  start: number;
  end: number;
  addPath: boolean;
  withdrawn: boolean;
  /** The list to fill in full mode. */
  target: Nlri[];
}

interface Parsed {
  sections: Section[];
  attributes: PathAttribute[];
  error: BgpWireError | undefined;
  warnings: BgpWireError[];
  withdrawn: Nlri[];
  nlri: Nlri[];
}

export const NO_WARNINGS: readonly BgpWireError[] = Object.freeze([]) as readonly BgpWireError[];

function updateError(
  action: ErrorAction,
  subcode: number,
  reason: string,
  data: Uint8Array,
  attributeCode?: number,
  family?: FamilyKey,
): BgpWireError {
  const options: { attributeCode?: number; family?: FamilyKey } = {};
  if (attributeCode !== undefined) options.attributeCode = attributeCode;
  if (family !== undefined) options.family = family;
  return new BgpWireError(
    `UPDATE: ${reason}`,
    { code: NotificationCode.UPDATE_MESSAGE_ERROR, subcode, data: data.slice() },
    action,
    options,
  );
}

export class ParseState implements Parsed {
  sections: Section[] = [];
  attributes: PathAttribute[] = [];
  error: BgpWireError | undefined = undefined;
  warnings: BgpWireError[] = [];
  withdrawn: Nlri[] = [];
  nlri: Nlri[] = [];

  report(e: BgpWireError): void {
    if (e.action === 'attribute-discard') {
      this.warnings.push(e);
      return;
    }
    if (this.error === undefined || compareSeverity(e.action, this.error.action) > 0) this.error = e;
  }
}

/**
 * The leftmost AS of an AS_PATH, to compare with the peer's ASN (undefined unless the path starts
 * with an AS_SEQUENCE). On a 2-octet session a peer with a 4-octet ASN puts AS_TRANS there
 * (RFC 6793 §4.2.2), which then counts as the peer's ASN.
 */
function leftmostAs(segments: readonly AsPathSegment[], options: SessionOptions): number | undefined {
  const first = segments[0];
  if (first === undefined || first.type !== 'sequence') return undefined;
  const asn = first.asns[0];
  const peer = options.peerAsn ?? 0;
  return !options.fourOctetAs && asn === AS_TRANS && peer > 0xffff ? peer : asn;
}

function isAfi(afi: number): afi is AfiNumber {
  return afi === 1 || afi === 2;
}

function parseMpReach(
  b: Uint8Array,
  vs: number,
  ve: number,
  flags: number,
  attrBytes: Uint8Array,
  options: SessionOptions,
  st: ParseState,
): PathAttribute | undefined {
  const code = AttributeCode.MP_REACH_NLRI;
  if (ve - vs < 5) {
    st.report(
      updateError(
        'session-reset',
        UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
        'MP_REACH_NLRI is shorter than 5 octets',
        attrBytes,
        code,
      ),
    );
    return undefined;
  }
  const afi = (b[vs]! << 8) | b[vs + 1]!;
  const safi = b[vs + 2]!;
  const family: FamilyKey = `${afi}/${safi}`;
  const nhLength = b[vs + 3]!;
  const nhStart = vs + 4;
  const nlriStart = nhStart + nhLength + 1; // + the reserved (former SNPA count) octet
  const disable = (reason: string) =>
    st.report(
      updateError(
        'afi-safi-disable',
        UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
        `MP_REACH_NLRI ${family}: ${reason}`,
        attrBytes,
        code,
        family,
      ),
    );
  if (nlriStart > ve) {
    disable(`next hop length ${nhLength} runs past the attribute`);
    return undefined;
  }
  if (!isAfi(afi) || (safi !== 1 && safi !== 2)) {
    // A family this codec does not model: keep it verbatim.
    return { type: 'unknown', code, flags, data: b.slice(vs, ve) };
  }
  let nextHops: string[];
  if (nhLength === 16) nextHops = [formatIpv6(b, nhStart)];
  else if (nhLength === 32) nextHops = [formatIpv6(b, nhStart), formatIpv6(b, nhStart + 16)];
  else if (nhLength === 4 && afi === 1) nextHops = [formatIpv4(b, nhStart)];
  else {
    disable(`next hop length ${nhLength} is invalid for AFI ${afi}`);
    return undefined;
  }
  const addPath = options.addPathReceive.has(family);
  const checked = checkNlri(b, nlriStart, ve, afi, addPath);
  if (typeof checked === 'string') {
    disable(checked);
    return undefined;
  }
  const attr: MpReachAttribute = { type: 'mp-reach', afi, safi, nextHops, nlri: [] };
  st.sections.push({ afi, safi, start: nlriStart, end: ve, addPath, withdrawn: false, target: attr.nlri });
  return attr;
}

function parseMpUnreach(
  b: Uint8Array,
  vs: number,
  ve: number,
  flags: number,
  attrBytes: Uint8Array,
  options: SessionOptions,
  st: ParseState,
): PathAttribute | undefined {
  const code = AttributeCode.MP_UNREACH_NLRI;
  if (ve - vs < 3) {
    st.report(
      updateError(
        'session-reset',
        UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
        'MP_UNREACH_NLRI is shorter than 3 octets',
        attrBytes,
        code,
      ),
    );
    return undefined;
  }
  const afi = (b[vs]! << 8) | b[vs + 1]!;
  const safi = b[vs + 2]!;
  const family: FamilyKey = `${afi}/${safi}`;
  if (!isAfi(afi) || (safi !== 1 && safi !== 2))
    return { type: 'unknown', code, flags, data: b.slice(vs, ve) };
  const addPath = options.addPathReceive.has(family);
  const checked = checkNlri(b, vs + 3, ve, afi, addPath);
  if (typeof checked === 'string') {
    st.report(
      updateError(
        'afi-safi-disable',
        UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
        `MP_UNREACH_NLRI ${family}: ${checked}`,
        attrBytes,
        code,
        family,
      ),
    );
    return undefined;
  }
  const attr: MpUnreachAttribute = { type: 'mp-unreach', afi, safi, withdrawn: [] };
  st.sections.push({ afi, safi, start: vs + 3, end: ve, addPath, withdrawn: true, target: attr.withdrawn });
  return attr;
}

export function parseUpdate(b: Uint8Array, end: number, options: SessionOptions): ParseState {
  const st = new ParseState();
  const ipv4AddPath = options.addPathReceive.has('1/1');
  let p = HEADER_LENGTH;
  const withdrawnLength = (b[p]! << 8) | b[p + 1]!;
  const withdrawnStart = p + 2;
  const withdrawnEnd = withdrawnStart + withdrawnLength;
  if (withdrawnEnd + 2 > end) {
    st.report(
      updateError(
        'session-reset',
        UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
        `withdrawn routes length ${withdrawnLength} runs past the message`,
        new Uint8Array(0),
      ),
    );
    return st;
  }
  const attrLength = (b[withdrawnEnd]! << 8) | b[withdrawnEnd + 1]!;
  const attrStart = withdrawnEnd + 2;
  const attrEnd = attrStart + attrLength;
  if (attrEnd > end) {
    st.report(
      updateError(
        'session-reset',
        UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
        `total path attribute length ${attrLength} runs past the message`,
        new Uint8Array(0),
      ),
    );
    return st;
  }
  const checkedWithdrawn = checkNlri(b, withdrawnStart, withdrawnEnd, 1, ipv4AddPath);
  if (typeof checkedWithdrawn === 'string') {
    st.report(
      updateError(
        'session-reset',
        UpdateSubcode.INVALID_NETWORK_FIELD,
        `withdrawn routes: ${checkedWithdrawn}`,
        new Uint8Array(0),
      ),
    );
    return st;
  }
  if (withdrawnLength > 0) {
    st.sections.push({
      afi: 1,
      safi: 1,
      start: withdrawnStart,
      end: withdrawnEnd,
      addPath: ipv4AddPath,
      withdrawn: true,
      target: st.withdrawn,
    });
  }

  // Path attributes.
  const seen = new Uint8Array(256);
  let asPathSeen = false;
  let emptyAsPath = false;
  p = attrStart;
  while (p < attrEnd) {
    const flags = b[p]!;
    const headerLength = flags & AttributeFlag.EXTENDED_LENGTH ? 4 : 3;
    if (p + headerLength > attrEnd) {
      st.report(
        updateError(
          'treat-as-withdraw',
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          `attribute header truncated (${attrEnd - p} octets left)`,
          b.subarray(p, attrEnd),
        ),
      );
      break;
    }
    const code = b[p + 1]!;
    const length = headerLength === 4 ? (b[p + 2]! << 8) | b[p + 3]! : b[p + 2]!;
    const vs = p + headerLength;
    const ve = vs + length;
    if (ve > attrEnd) {
      st.report(
        updateError(
          'treat-as-withdraw',
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          `attribute ${code} length ${length} runs past the path attributes`,
          b.subarray(p, attrEnd),
          code,
        ),
      );
      break;
    }
    const attrBytes = b.subarray(p, ve);
    p = ve;
    const isMp = code === AttributeCode.MP_REACH_NLRI || code === AttributeCode.MP_UNREACH_NLRI;
    if (seen[code] === 1) {
      if (isMp) {
        st.report(
          updateError(
            'session-reset',
            UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
            `duplicate attribute ${code}`,
            attrBytes,
            code,
          ),
        );
      } else {
        st.report(
          updateError(
            'attribute-discard',
            UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
            `duplicate attribute ${code} discarded`,
            attrBytes,
            code,
          ),
        );
      }
      continue;
    }
    seen[code] = 1;
    const canonical = CANONICAL_FLAGS[code];
    if (canonical === undefined) {
      if ((flags & AttributeFlag.OPTIONAL) === 0) {
        st.report(
          updateError(
            'session-reset',
            UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
            `unrecognized well-known attribute ${code}`,
            attrBytes,
            code,
          ),
        );
      } else if (flags & AttributeFlag.TRANSITIVE) {
        st.attributes.push({ type: 'unknown', code, flags, data: b.slice(vs, ve) });
      }
      // Unknown optional non-transitive attributes are quietly ignored (RFC 4271 §5).
      continue;
    }
    if ((flags & 0xc0) !== canonical) {
      if (isMp) {
        st.report(
          updateError(
            'session-reset',
            UpdateSubcode.ATTRIBUTE_FLAGS_ERROR,
            `attribute ${code} flags 0x${flags.toString(16)} are wrong`,
            attrBytes,
            code,
          ),
        );
      } else {
        const action: ErrorAction =
          code === AttributeCode.ATOMIC_AGGREGATE ||
          code === AttributeCode.AGGREGATOR ||
          code === AttributeCode.AS4_PATH ||
          code === AttributeCode.AS4_AGGREGATOR
            ? 'attribute-discard'
            : 'treat-as-withdraw';
        st.report(
          updateError(
            action,
            UpdateSubcode.ATTRIBUTE_FLAGS_ERROR,
            `attribute ${code} flags 0x${flags.toString(16)} are wrong`,
            attrBytes,
            code,
          ),
        );
      }
      continue;
    }
    let attr: PathAttribute | AttributeFailure | undefined;
    if (code === AttributeCode.MP_REACH_NLRI) attr = parseMpReach(b, vs, ve, flags, attrBytes, options, st);
    else if (code === AttributeCode.MP_UNREACH_NLRI)
      attr = parseMpUnreach(b, vs, ve, flags, attrBytes, options, st);
    else attr = decodeKnownAttribute(code, b, vs, ve, options.fourOctetAs);
    if (attr === undefined) continue;
    if ('failure' in attr) {
      // RFC 4760 §3: an UPDATE whose only NLRI is in MP_REACH_NLRI ignores NEXT_HOP, so a bad
      // one costs the attribute, not the routes.
      const action = code === AttributeCode.NEXT_HOP && attrEnd === end ? 'attribute-discard' : attr.action;
      st.report(updateError(action, attr.subcode, attr.reason, attrBytes, code));
      continue;
    }
    if (attr.type === 'unknown') {
      st.attributes.push(attr);
      continue;
    }
    // Session-dependent rules.
    if (code === AttributeCode.AS_PATH) asPathSeen = true;
    if (code === AttributeCode.AS4_PATH || code === AttributeCode.AS4_AGGREGATOR) {
      let reason: string | undefined;
      if (options.fourOctetAs) reason = 'received on a 4-octet AS session (RFC 6793 §4.1)';
      else if (code === AttributeCode.AS4_PATH && !asPathSeen) reason = 'appears before AS_PATH';
      if (reason !== undefined) {
        st.report(
          updateError(
            'attribute-discard',
            UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
            `attribute ${code} discarded: ${reason}`,
            attrBytes,
            code,
          ),
        );
        continue;
      }
    }
    if (
      options.ebgp === true &&
      (code === AttributeCode.LOCAL_PREF ||
        code === AttributeCode.ORIGINATOR_ID ||
        code === AttributeCode.CLUSTER_LIST)
    ) {
      st.report(
        updateError(
          'attribute-discard',
          UpdateSubcode.UNSPECIFIC,
          `attribute ${code} from an external peer discarded (RFC 7606)`,
          attrBytes,
          code,
        ),
      );
      continue;
    }
    if (options.ebgp === true && attr.type === 'as-path') {
      if (attr.segments.some((seg) => seg.type === 'confed-sequence' || seg.type === 'confed-set')) {
        st.report(
          updateError(
            'treat-as-withdraw',
            UpdateSubcode.MALFORMED_AS_PATH,
            'AS_PATH from an external peer has confederation segments',
            attrBytes,
            code,
          ),
        );
        continue;
      }
      if (attr.segments.length === 0) emptyAsPath = true;
      else if (options.peerAsn !== undefined && leftmostAs(attr.segments, options) !== options.peerAsn) {
        st.report(
          updateError(
            'treat-as-withdraw',
            UpdateSubcode.MALFORMED_AS_PATH,
            `AS_PATH does not start with the peer's AS ${options.peerAsn}`,
            attrBytes,
            code,
          ),
        );
        continue;
      }
    }
    const expected = canonical | (length > 255 ? AttributeFlag.EXTENDED_LENGTH : 0);
    if (flags !== expected) attr.flags = flags;
    st.attributes.push(attr);
  }

  // NLRI field (IPv4 unicast).
  if (attrEnd < end) {
    const checked = checkNlri(b, attrEnd, end, 1, ipv4AddPath);
    if (typeof checked === 'string') {
      st.report(
        updateError(
          'session-reset',
          UpdateSubcode.INVALID_NETWORK_FIELD,
          `NLRI: ${checked}`,
          new Uint8Array(0),
        ),
      );
      return st;
    }
    st.sections.push({
      afi: 1,
      safi: 1,
      start: attrEnd,
      end,
      addPath: ipv4AddPath,
      withdrawn: false,
      target: st.nlri,
    });
  }

  // Mandatory attributes (RFC 7606 §3 d) when the UPDATE announces anything.
  const announces = st.sections.some((s) => !s.withdrawn && s.end > s.start);
  if (announces) {
    const missing = (c: number, name: string) =>
      st.report(
        updateError(
          'treat-as-withdraw',
          UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
          `missing ${name}`,
          Uint8Array.of(c),
        ),
      );
    if (seen[AttributeCode.ORIGIN] === 0) missing(AttributeCode.ORIGIN, 'ORIGIN');
    if (seen[AttributeCode.AS_PATH] === 0) missing(AttributeCode.AS_PATH, 'AS_PATH');
    if (emptyAsPath) {
      st.report(
        updateError(
          'treat-as-withdraw',
          UpdateSubcode.MALFORMED_AS_PATH,
          'empty AS_PATH from an external peer',
          new Uint8Array(0),
          AttributeCode.AS_PATH,
        ),
      );
    }
    if (seen[AttributeCode.NEXT_HOP] === 0 && attrEnd < end) missing(AttributeCode.NEXT_HOP, 'NEXT_HOP');
  }
  return st;
}
