#!/usr/bin/env node
import { runCli, USAGE } from './cli-run.js';

runCli(process.argv.slice(2))
  .then((server) => {
    if (server === undefined) return;
    const stop = (): void => {
      void server.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  })
  .catch((e: unknown) => {
    console.error(`bgplb-test-apiserver: ${e instanceof Error ? e.message : String(e)}`);
    console.error(USAGE);
    process.exit(2);
  });
