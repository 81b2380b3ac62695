import { checkUint } from './check.js';
import { CapabilityCode, NotificationCode, OpenSubcode } from './constants.js';
import { BgpWireError } from './errors.js';
import type { AddPathFamily, AddPathMode, Capability } from './types.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

function capError(code: number, message: string, tlv: Uint8Array): BgpWireError {
  return new BgpWireError(`capability ${code}: ${message}`, {
    code: NotificationCode.OPEN_MESSAGE_ERROR,
    subcode: OpenSubcode.UNSPECIFIC,
    data: tlv,
  });
}

const ADD_PATH_MODES: readonly AddPathMode[] = ['none', 'receive', 'send', 'both'];

/**
 * Decodes one capability value. `tlv` is the whole capability (code, length, value) for error
 * data; `data` its value. Never reads outside `data`.
 */
export function decodeCapability(code: number, data: Uint8Array, tlv: Uint8Array): Capability | BgpWireError {
  const n = data.length;
  const u16 = (i: number) => (data[i]! << 8) | data[i + 1]!;
  const fixed = (len: number, name: string) =>
    n === len ? undefined : capError(code, `${name} must be ${len} octets, got ${n}`, tlv);
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      return fixed(4, 'Multiprotocol') ?? { type: 'multiprotocol', afi: u16(0), safi: data[3]! };
    case CapabilityCode.ROUTE_REFRESH:
      return fixed(0, 'Route Refresh') ?? { type: 'route-refresh' };
    case CapabilityCode.ROUTE_REFRESH_PRE_STANDARD:
      return fixed(0, 'Route Refresh (pre-standard)') ?? { type: 'route-refresh', preStandard: true };
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      if (n % 6 !== 0) return capError(code, `Extended Next Hop length ${n} is not a multiple of 6`, tlv);
      const entries = [];
      for (let i = 0; i < n; i += 6) entries.push({ afi: u16(i), safi: u16(i + 2), nextHopAfi: u16(i + 4) });
      return { type: 'extended-next-hop', entries };
    }
    case CapabilityCode.EXTENDED_MESSAGE:
      return fixed(0, 'Extended Message') ?? { type: 'extended-message' };
    case CapabilityCode.ROLE:
      return fixed(1, 'BGP Role') ?? { type: 'role', role: data[0]! };
    case CapabilityCode.GRACEFUL_RESTART: {
      if (n < 2 || (n - 2) % 4 !== 0)
        return capError(code, `Graceful Restart length ${n} is not 2 + 4k`, tlv);
      const families = [];
      for (let i = 2; i < n; i += 4) families.push({ afi: u16(i), safi: data[i + 2]!, flags: data[i + 3]! });
      return { type: 'graceful-restart', flags: data[0]! >>> 4, restartTime: u16(0) & 0xfff, families };
    }
    case CapabilityCode.FOUR_OCTET_AS:
      return (
        fixed(4, '4-octet AS') ?? {
          type: 'four-octet-as',
          asn: ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0,
        }
      );
    case CapabilityCode.ADD_PATH: {
      if (n % 4 !== 0) return capError(code, `ADD-PATH length ${n} is not a multiple of 4`, tlv);
      const families: AddPathFamily[] = [];
      for (let i = 0; i < n; i += 4) {
        // Values outside 1..3 (FRR sends 0) mean "no ADD-PATH" for the family, not an error.
        const value = data[i + 3]!;
        const family: AddPathFamily = {
          afi: u16(i),
          safi: data[i + 2]!,
          mode: ADD_PATH_MODES[value] ?? 'none',
        };
        if (value > 3) family.value = value;
        families.push(family);
      }
      return { type: 'add-path', families };
    }
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      return fixed(0, 'Enhanced Route Refresh') ?? { type: 'enhanced-route-refresh' };
    case CapabilityCode.LONG_LIVED_GRACEFUL_RESTART: {
      if (n % 7 !== 0) return capError(code, `Long-Lived GR length ${n} is not a multiple of 7`, tlv);
      const families = [];
      for (let i = 0; i < n; i += 7) {
        families.push({
          afi: u16(i),
          safi: data[i + 2]!,
          flags: data[i + 3]!,
          staleTime: (data[i + 4]! << 16) | (data[i + 5]! << 8) | data[i + 6]!,
        });
      }
      return { type: 'long-lived-graceful-restart', families };
    }
    case CapabilityCode.FQDN: {
      if (n < 1) return capError(code, 'FQDN is empty', tlv);
      const hostLength = data[0]!;
      if (1 + hostLength + 1 > n)
        return capError(code, `FQDN hostname length ${hostLength} runs past the data`, tlv);
      const domainLength = data[1 + hostLength]!;
      if (2 + hostLength + domainLength !== n) {
        return capError(code, `FQDN domain length ${domainLength} does not match the data`, tlv);
      }
      const hostname = decodeUtf8(data.subarray(1, 1 + hostLength));
      const domainName = decodeUtf8(data.subarray(2 + hostLength, n));
      // Not UTF-8: keep it verbatim rather than lose bytes.
      if (hostname === undefined || domainName === undefined) return { type: 'unknown', code, data };
      return { type: 'fqdn', hostname, domainName };
    }
    default:
      return { type: 'unknown', code, data };
  }
}

/**
 * The text of a software-version capability (code 75, draft-ietf-idr-software-version), which is
 * kept raw because two encodings exist in the wild: with a 1-octet length before the text (the
 * draft) and without it. Returns undefined for anything else (e.g. a length beyond the data).
 */
export function softwareVersion(cap: Capability): string | undefined {
  if (cap.type !== 'unknown' || cap.code !== CapabilityCode.SOFTWARE_VERSION) return undefined;
  const d = cap.data;
  if (d.length >= 1 && d[0] === d.length - 1) return decodeUtf8(d.subarray(1));
  for (const b of d) if (b < 0x20 || b > 0x7e) return undefined;
  return d.length > 0 ? decodeUtf8(d) : undefined;
}

function u16be(v: number): number[] {
  checkUint(v, 0xffff, 'capability field');
  return [(v >>> 8) & 255, v & 255];
}

function checkByte(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`${what} must be 0..255, got ${v}`);
  return v;
}

/** Encodes one capability as code, length and value. Throws RangeError/TypeError for invalid values. */
export function encodeCapability(cap: Capability): Uint8Array {
  let code: number;
  let value: number[] | Uint8Array;
  switch (cap.type) {
    case 'multiprotocol':
      code = CapabilityCode.MULTIPROTOCOL;
      value = [...u16be(cap.afi), 0, checkByte(cap.safi, 'SAFI')];
      break;
    case 'route-refresh':
      code = cap.preStandard ? CapabilityCode.ROUTE_REFRESH_PRE_STANDARD : CapabilityCode.ROUTE_REFRESH;
      value = [];
      break;
    case 'extended-next-hop':
      code = CapabilityCode.EXTENDED_NEXT_HOP;
      value = cap.entries.flatMap((e) => [...u16be(e.afi), ...u16be(e.safi), ...u16be(e.nextHopAfi)]);
      break;
    case 'extended-message':
      code = CapabilityCode.EXTENDED_MESSAGE;
      value = [];
      break;
    case 'role':
      code = CapabilityCode.ROLE;
      value = [checkByte(cap.role, 'role')];
      break;
    case 'graceful-restart':
      code = CapabilityCode.GRACEFUL_RESTART;
      value = [
        (checkUint(cap.flags, 15, 'graceful restart flags') << 4) |
          (checkUint(cap.restartTime, 4095, 'restart time') >>> 8),
        cap.restartTime & 255,
        ...cap.families.flatMap((f) => [
          ...u16be(f.afi),
          checkByte(f.safi, 'SAFI'),
          checkByte(f.flags, 'flags'),
        ]),
      ];
      break;
    case 'four-octet-as':
      code = CapabilityCode.FOUR_OCTET_AS;
      checkUint(cap.asn, 0xffffffff, '4-octet AS');
      value = [...u16be(cap.asn >>> 16), ...u16be(cap.asn & 0xffff)];
      break;
    case 'add-path':
      code = CapabilityCode.ADD_PATH;
      value = cap.families.flatMap((f) => [
        ...u16be(f.afi),
        checkByte(f.safi, 'SAFI'),
        f.mode === 'receive'
          ? 1
          : f.mode === 'send'
            ? 2
            : f.mode === 'both'
              ? 3
              : checkByte(f.value ?? 0, 'ADD-PATH value'),
      ]);
      break;
    case 'enhanced-route-refresh':
      code = CapabilityCode.ENHANCED_ROUTE_REFRESH;
      value = [];
      break;
    case 'long-lived-graceful-restart':
      code = CapabilityCode.LONG_LIVED_GRACEFUL_RESTART;
      value = cap.families.flatMap((f) => [
        ...u16be(f.afi),
        checkByte(f.safi, 'SAFI'),
        checkByte(f.flags, 'flags'),
        (checkUint(f.staleTime, 0xffffff, 'stale time') >>> 16) & 255,
        (f.staleTime >>> 8) & 255,
        f.staleTime & 255,
      ]);
      break;
    case 'fqdn': {
      code = CapabilityCode.FQDN;
      const host = encodeUtf8(cap.hostname);
      const domain = encodeUtf8(cap.domainName);
      if (host.length > 255 || domain.length > 255)
        throw new RangeError('FQDN hostname/domain over 255 octets');
      value = [host.length, ...host, domain.length, ...domain];
      break;
    }
    case 'unknown':
      code = checkByte(cap.code, 'capability code');
      value = cap.data;
      break;
  }
  if (value.length > 255)
    throw new RangeError(`capability ${code} value is ${value.length} octets (max 255)`);
  const out = new Uint8Array(2 + value.length);
  out[0] = code;
  out[1] = value.length;
  out.set(value, 2);
  return out;
}
