import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobuf, isProtobuf } from './protobuf.js';
import { ApiError, badRequest, unsupportedMediaType } from './status.js';

/** kube-apiserver's request body limit (3 MiB). */
const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY)
      throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a request body: JSON, YAML for YAML media types, and the protobuf that kubectl's
 * generators send (Namespaces and Services only).
 */
export function parseBody(body: Buffer, contentType: string): unknown {
  if (isProtobuf(contentType)) return decodeProtobuf(body);
  if (/cbor/i.test(contentType)) {
    throw unsupportedMediaType(mediaType(contentType), ['application/json', 'application/yaml']);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (/yaml/i.test(contentType)) return parseYaml(text);
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body could not be decoded: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface AcceptEntry {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): AcceptEntry[] {
  if (header === undefined || header.trim() === '') return [];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type!.trim().toLowerCase(), params };
  });
}

/** Which transformed representation (Table, PartialObjectMetadata[List]) the client asks for, if any. */
export function acceptedAs(header: string | undefined): string | undefined {
  for (const e of parseAccept(header)) {
    if (e.type !== 'application/json' && e.type !== '*/*') continue;
    if (e.params.as === undefined) return undefined;
    if (e.params.g === 'meta.k8s.io' && (e.params.v === 'v1' || e.params.v === 'v1beta1')) return e.params.as;
  }
  return undefined;
}

/** The aggregated-discovery version the client prefers over plain JSON, if any. */
export function acceptedDiscovery(header: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const e of parseAccept(header)) {
    if (
      e.params.g === 'apidiscovery.k8s.io' &&
      e.params.as === 'APIGroupDiscoveryList' &&
      (e.params.v === 'v2' || e.params.v === 'v2beta1')
    ) {
      return e.params.v;
    }
    if (e.type === 'application/json' || e.type === '*/*') return undefined;
  }
  return undefined;
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: string[] = [],
  contentType = 'application/json',
): void {
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr =
    err instanceof ApiError
      ? err
      : new ApiError(
          500,
          'InternalError',
          `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
        );
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, apiErr.code, apiErr.toStatus());
}
