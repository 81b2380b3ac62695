import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { BgpWireError } from './errors.js';
import { checkHeader } from './header.js';

/** One framed message, or the error that broke the stream. */
export type FrameResult =
  | {
      ok: true;
      /** Message type code (1..5). */
      type: number;
      /** The whole message, header included: a view into a pushed chunk when it lay in one. */
      bytes: Uint8Array;
    }
  | { ok: false; error: BgpWireError };

/**
 * Splits a TCP byte stream into BGP messages.
 *
 * ```ts
 * const framer = new MessageFramer();
 * socket.on('data', (chunk) => {
 *   framer.push(chunk);
 *   for (let f = framer.next(); f !== undefined; f = framer.next()) {
 *     if (!f.ok) return sendNotificationAndClose(f.error.notification);
 *     handle(decodeMessage(f.bytes, options));
 *   }
 * });
 * ```
 *
 * Messages that lie inside one pushed chunk are returned as views of it (no copy), so do not
 * modify a chunk after pushing it. Only a message split across chunks is copied, once, when it is
 * complete. Header errors are reported as soon as the 19 header octets are in, without waiting
 * for the body. After an error the stream is out of sync: `next()` keeps returning that error.
 */
export class MessageFramer {
  private chunks: Uint8Array[] = [];
  /** Index of the first unconsumed chunk (no Array.shift: a peer sending 1-octet segments must not cost O(n²)). */
  private first = 0;
  /** Read position in chunks[first]. */
  private head = 0;
  private buffered = 0;
  private maxLength: number;
  private failure: BgpWireError | undefined;
  private readonly headerScratch = new Uint8Array(HEADER_LENGTH);

  constructor(options: { maxMessageLength?: number } = {}) {
    this.maxLength = options.maxMessageLength ?? MAX_MESSAGE_LENGTH;
  }

  /** Number of octets received but not yet returned as messages. */
  get bufferedLength(): number {
    return this.buffered;
  }

  /** The maximum accepted length for UPDATE, NOTIFICATION and ROUTE-REFRESH (OPEN/KEEPALIVE stay <= 4096). */
  get maxMessageLength(): number {
    return this.maxLength;
  }

  /** Sets the maximum message length (19..65535). */
  setMaxMessageLength(length: number): void {
    if (!Number.isInteger(length) || length < HEADER_LENGTH || length > MAX_EXTENDED_MESSAGE_LENGTH) {
      throw new RangeError(`max message length must be an integer in 19..65535, got ${length}`);
    }
    this.maxLength = length;
  }

  /** Switches RFC 8654 Extended Message on (65535) or off (4096), e.g. after the OPEN exchange. */
  setExtendedMessage(enabled: boolean): void {
    this.maxLength = enabled ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** Adds received bytes. Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Returns the next whole message, the stream error, or undefined when more bytes are needed. */
  next(): FrameResult | undefined {
    if (this.failure !== undefined) return { ok: false, error: this.failure };
    if (this.buffered < HEADER_LENGTH) return undefined;
    let first = this.chunks[this.first]!;
    let headerBytes: Uint8Array;
    let headerOffset: number;
    if (first.length - this.head >= HEADER_LENGTH) {
      headerBytes = first;
      headerOffset = this.head;
    } else {
      this.copyOut(this.headerScratch, HEADER_LENGTH);
      headerBytes = this.headerScratch;
      headerOffset = 0;
    }
    const header = checkHeader(headerBytes, headerOffset, this.maxLength);
    if (header instanceof BgpWireError) {
      this.failure = header;
      return { ok: false, error: header };
    }
    const { length, type } = header;
    if (this.buffered < length) return undefined;
    let bytes: Uint8Array;
    first = this.chunks[this.first]!;
    if (first.length - this.head >= length) {
      bytes = first.subarray(this.head, this.head + length);
    } else {
      bytes = new Uint8Array(length);
      this.copyOut(bytes, length);
    }
    this.consume(length);
    return { ok: true, type, bytes };
  }

  /** Iterates the messages available now; stops after an error. */
  *[Symbol.iterator](): IterableIterator<FrameResult> {
    for (let f = this.next(); f !== undefined; f = this.next()) {
      yield f;
      if (!f.ok) return;
    }
  }

  /** Copies the first `n` buffered octets into `out` without consuming them. */
  private copyOut(out: Uint8Array, n: number): void {
    let written = 0;
    let pos = this.head;
    for (let c = this.first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const take = Math.min(chunk.length - pos, n - written);
      out.set(chunk.subarray(pos, pos + take), written);
      written += take;
      pos = 0;
      if (written === n) return;
    }
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[this.first]!;
      const available = first.length - this.head;
      if (n < available) {
        this.head += n;
        break;
      }
      n -= available;
      this.first++;
      this.head = 0;
    }
    // Drop consumed chunks now and then (amortized O(1) per chunk).
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 64) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
