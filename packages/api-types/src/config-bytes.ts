/**
 * Reading a user's configuration file into text, safely: a size cap (read at most the cap, so
 * `/dev/zero` or a 10 GB file cannot exhaust memory), byte-order marks (UTF-8, UTF-16 LE/BE are
 * decoded; UTF-32 is refused), invalid UTF-8 and binary data (control characters) refused with the
 * line and column of the first bad byte. Never throws.
 */
import { close, open, read } from 'node:fs';
import { promisify } from 'node:util';
import type { Position } from './yaml-locate.js';

// The callback API, promisified: `node:fs/promises` loads about 20 more of Node's internal modules
// (its FileHandle, readline's interface, streams), 0.8 MiB of resident memory in a process that
// reads one small file (docs/benchmarks.md, "Idle cost").
const openFile = promisify(open);
const readInto = promisify(read);
const closeFile = promisify(close);

/**
 * Largest configuration file read (256 KiB): ten times a large cluster config, and small enough
 * that parsing it keeps the event loop busy well under a second.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** Text, or a positioned problem with the bytes (`message` says what and how to fix it). */
export type DecodedText = { ok: true; text: string } | ({ ok: false; message: string } & Position);

/** Result of reading a config file: its text, a positioned problem, or a read error (exit 2). */
export type ConfigFileText = DecodedText | { ok: false; readError: string };

function bad(message: string, line = 1, column = 1): DecodedText {
  return { ok: false, message, line, column };
}

/** Line and column (1-based) of `index` in `text`. */
export function positionAt(text: string, index: number): Position {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

/** Length of the valid UTF-8 prefix of `bytes` (the offset of the first invalid sequence). */
function validUtf8Prefix(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0 || i + need >= bytes.length + (need === 0 ? 1 : 0)) return i;
    for (let k = 1; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const b1 = bytes[i + 1] ?? 0;
    // Overlong forms, surrogates and code points above U+10FFFF.
    if (
      (b === 0xe0 && b1 < 0xa0) ||
      (b === 0xed && b1 > 0x9f) ||
      (b === 0xf0 && b1 < 0x90) ||
      (b === 0xf4 && b1 > 0x8f)
    )
      return i;
    i += need + 1;
  }
  return i;
}

/** First C0 control character other than tab, LF and CR (or DEL), as YAML forbids them. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/;

/** Checks text (from a file or not) for characters YAML does not allow, with their position. */
export function checkConfigText(text: string): DecodedText {
  if (text.length > MAX_CONFIG_BYTES) {
    return bad(`the text is longer than ${MAX_CONFIG_BYTES / 1024} KiB, the limit for a configuration file`);
  }
  const match = CONTROL.exec(text);
  if (match !== null) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const { line, column } = positionAt(text, match.index);
    const hint =
      code === '0000'
        ? 'the file looks binary (or UTF-16 without a byte-order mark); save it as UTF-8 text'
        : 'YAML does not allow control characters; remove it';
    return bad(`control character U+${code} at line ${line}, column ${column}: ${hint}`, line, column);
  }
  return { ok: true, text };
}

/** Decodes a configuration file's bytes (see the module comment). */
export function decodeConfigBytes(bytes: Uint8Array): DecodedText {
  if (bytes.length > MAX_CONFIG_BYTES) {
    return bad(
      `the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB, the limit for a configuration file; is it the right file?`,
    );
  }
  const [b0, b1, b2, b3] = bytes;
  if (
    (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) ||
    (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0)
  ) {
    return bad('the file is UTF-32 (byte-order mark); save it as UTF-8');
  }
  let text: string;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const encoding = b0 === 0xff ? 'utf-16le' : 'utf-16be';
    if (bytes.length % 2 !== 0)
      return bad(`the file starts with a ${encoding.toUpperCase()} byte-order mark but has an odd length`);
    text = new TextDecoder(encoding).decode(bytes.subarray(2));
  } else {
    const start = b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? 3 : 0;
    const body = bytes.subarray(start);
    const valid = validUtf8Prefix(body);
    if (valid < body.length) {
      const prefix = new TextDecoder('utf-8').decode(body.subarray(0, valid));
      const { line, column } = positionAt(prefix, prefix.length);
      return bad(
        `invalid UTF-8 (byte 0x${body[valid]!.toString(16).padStart(2, '0')} at line ${line}, column ${column}): save the file as UTF-8 text`,
        line,
        column,
      );
    }
    text = new TextDecoder('utf-8').decode(body);
  }
  return checkConfigText(text);
}

/** Reads at most {@link MAX_CONFIG_BYTES} + 1 bytes of `path` and decodes them. Never throws. */
export async function readConfigFile(path: string): Promise<ConfigFileText> {
  let fd: number | undefined;
  try {
    fd = await openFile(path, 'r');
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await readInto(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return decodeConfigBytes(buffer.subarray(0, length));
  } catch (error) {
    return { ok: false, readError: `cannot read ${path}: ${(error as Error).message}` };
  } finally {
    if (fd !== undefined) await closeFile(fd).catch(() => undefined);
  }
}
