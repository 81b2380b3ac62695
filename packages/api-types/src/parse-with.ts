import type { z } from 'zod';
import { safeParse } from 'zod/mini';
import { issuesToProblems, type Problem } from './problems.js';

/*
 * Parsing with any one schema, apart from parse.ts (which holds every kind's schema): a program that
 * reads one kind (the advertiser config) imports this without building the others (the
 * `@bgplb/api-types/advertiser-config` entry; docs/benchmarks.md "advertiser control-plane mode").
 */

/** Result of a parse: the value with defaults applied, or the problems (never throws). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** `Kind/name` of a plain object, as used in `Problem.object`. */
export function objectRef(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { kind, metadata } = input as { kind?: unknown; metadata?: { name?: unknown } };
  const name = typeof metadata === 'object' && metadata !== null ? metadata.name : undefined;
  if (typeof kind !== 'string') return undefined;
  return typeof name === 'string' ? `${kind}/${name}` : kind;
}

/** Parses `input` with `schema`, applying defaults; problems carry field paths and values. */
export function parseWith<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  object?: string,
): ParseResult<z.core.output<S>> {
  const result = safeParse(schema, input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: issuesToProblems(result.error.issues, object ?? objectRef(input), input, schema),
  };
}
