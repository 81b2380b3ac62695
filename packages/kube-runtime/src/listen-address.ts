/**
 * The one syntax for a listening address in both CLIs (`--metrics-addr`, `--health-addr`):
 * `8080` and `:8080` listen on every address, `127.0.0.1:8080` or `localhost:8080` on one host,
 * `[::1]:8080` on an IPv6 address (brackets required, as in URLs). Port 0 lets the kernel pick.
 */
import ipaddr from 'ipaddr.js';

export interface ListenAddress {
  /** `undefined` = every address (Node then listens on `::`, dual-stack, or `0.0.0.0`). */
  host: string | undefined;
  port: number;
}

// A DNS name such as `localhost` or `metrics.example`: labels of letters, digits and dashes.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const EXAMPLES =
  'expected PORT, :PORT, HOST:PORT or [IPv6]:PORT, e.g. 8080, :8080, 127.0.0.1:8080, [::1]:8080';

/** Parses a listening address; throws an Error naming the problem and the accepted forms. */
export function parseListenAddress(text: string): ListenAddress {
  const fail = (why: string): never => {
    throw new Error(`invalid address "${text}": ${why}; ${EXAMPLES}`);
  };
  let host: string | undefined;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail('missing "]" after the IPv6 address');
    host = text.slice(1, close);
    if (!ipaddr.IPv6.isValid(host)) fail(`"${host}" is not an IPv6 address`);
    if (text[close + 1] !== ':') fail('missing ":PORT" after "]"');
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== text.indexOf(':')) fail('an IPv6 address needs brackets');
    if (colon < 0) {
      portText = text;
    } else {
      portText = text.slice(colon + 1);
      const name = text.slice(0, colon);
      if (name !== '') {
        if (!ipaddr.IPv4.isValidFourPartDecimal(name) && !(HOSTNAME.test(name) && !/^[\d.]+$/.test(name))) {
          fail(`"${name}" is neither an IPv4 address nor a host name`);
        }
        host = name;
      }
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    fail(portText === '' ? 'no port' : `port "${portText}" is not a number from 0 to 65535`);
  }
  return { host, port: Number(portText) };
}

/** `host:port` for messages, with brackets around IPv6 and `:port` for every address. */
export function formatListenAddress(address: ListenAddress): string {
  if (address.host === undefined) return `:${address.port}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
