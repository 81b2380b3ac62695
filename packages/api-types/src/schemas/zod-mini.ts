/**
 * zod's mini API, with the two defaults its classic API sets when its first schema is built: the
 * English messages and the memoizer (cycle support in containers). Schemas that a program reading
 * only the `bgpadvertiser --config` file needs are written with it: the classic API costs about
 * 12 MiB of RSS at import, the mini one under 1 (docs/benchmarks.md, "advertiser control-plane
 * mode"). Both APIs build the same core schemas, so classic schemas embed these, and issues and
 * messages are the same whichever API is loaded first; the config is global, so this only fills
 * in what is not set yet, as the classic API does.
 */
import { config, memoizer } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!config().localeError) config(en());
if (!config().memoizer) config({ memoizer: memoizer() });

/*
 * What the schemas use, re-exported by name (`import * as z from './zod-mini.js'`): a namespace
 * re-export of zod/mini would keep all of it in a bundle, its 40 locales included (1 MB).
 */
export type { infer } from 'zod/mini';
export {
  array,
  boolean,
  describe,
  gte,
  int,
  lte,
  meta,
  minLength,
  number,
  optional,
  strictObject,
  string,
  superRefine,
} from 'zod/mini';
