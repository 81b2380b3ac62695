import { readFile } from 'node:fs/promises';
import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import { parseAdvertiserConfig } from './parse.js';
import { type FileProblem, KEY_PROBLEMS, type Problem, parsePath, problem } from './problems.js';
import type { AdvertiserConfig } from './schemas/advertiser-config.js';
import { resolveTimers, timerProblems } from './timers.js';
import { describeYamlError } from './yaml-errors.js';
import { locate } from './yaml-locate.js';

/** Result of loading a `bgpadvertiser --config` file. */
export type AdvertiserConfigResult =
  | {
      ok: true;
      file: string;
      /** The config with its shape checked; timers are resolved with {@link resolveTimers}. */
      config: AdvertiserConfig;
      /** Warnings (e.g. a keepalive above a third of the hold time). */
      problems: FileProblem[];
    }
  | {
      ok: false;
      file: string;
      /** Problems with file:line:column; at least one is an error unless `readError` is set. */
      problems: FileProblem[];
      /** Set when the file could not be read (a usage error: the CLI exits 2). */
      readError?: string;
    };

/**
 * Semantic rules of an advertiser config: eBGP only (peerASN != localASN), no duplicate peer,
 * a peer is not our own address, timers that fit together.
 */
export function validateAdvertiserConfig(config: AdvertiserConfig): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  out.push(...timerProblems([], config, resolveTimers(config)));
  config.peers.forEach((peer, i) => {
    if (peer.peerASN === config.localASN) {
      out.push(
        problem(
          ['peers', i, 'peerASN'],
          `peerASN ${peer.peerASN} equals localASN ${config.localASN}: bgplb peers over eBGP only, iBGP is not supported`,
        ),
      );
    }
    if (peer.peerIP === config.localIP) {
      out.push(problem(['peers', i, 'peerIP'], `peerIP ${peer.peerIP} is localIP itself`));
    }
    const first = seen.get(peer.peerIP);
    if (first !== undefined) {
      out.push(
        problem(['peers', i, 'peerIP'], `duplicate peer IP ${peer.peerIP} (already at peers[${first}])`),
      );
    } else seen.set(peer.peerIP, i);
    out.push(...timerProblems(['peers', i], peer, resolveTimers(config, peer)));
  });
  return out;
}

/** Parses and validates advertiser config text; `file` names it in the problems. */
export function parseAdvertiserConfigText(text: string, file: string): AdvertiserConfigResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (line: number, column: number, message: string): AdvertiserConfigResult => ({
    ok: false,
    file,
    problems: [{ file, line, column, path: '', message, severity: 'error' }],
  });
  if (!Array.isArray(docs) || docs.length === 0)
    return at(1, 1, 'the file is empty; expected localIP, localASN and peers');
  if (docs.length > 1) {
    const { line, col } = lineCounter.linePos(docs[1]?.range[0] ?? 0);
    return at(line, col, 'expected a single YAML document; the config holds one mapping');
  }
  const doc = docs[0]!;
  const [error] = doc.errors;
  if (error !== undefined) {
    const { message, line, column } = describeYamlError(error, text, lineCounter);
    return at(line, column, message);
  }
  if (!isMap(doc.contents)) return at(1, 1, 'expected a mapping with localIP, localASN and peers');
  const located = (p: Problem): FileProblem => ({
    ...p,
    file,
    ...locate(doc, lineCounter, parsePath(p.path), KEY_PROBLEMS.has(p)),
  });
  const parsed = parseAdvertiserConfig(doc.toJS());
  if (!parsed.ok) return { ok: false, file, problems: parsed.problems.map(located) };
  const problems = validateAdvertiserConfig(parsed.value).map(located);
  if (problems.some((p) => p.severity === 'error')) return { ok: false, file, problems };
  return { ok: true, file, config: parsed.value, problems };
}

/** Reads, parses and validates a `bgpadvertiser --config` file. Never throws. */
export async function loadAdvertiserConfig(path: string): Promise<AdvertiserConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      file: path,
      problems: [],
      readError: `cannot read ${path}: ${(error as Error).message}`,
    };
  }
  return parseAdvertiserConfigText(text, path);
}
