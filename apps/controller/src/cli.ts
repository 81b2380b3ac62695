#!/usr/bin/env node
process.stdout.write('bgplb-controller: not yet implemented\n');
process.exitCode = 1;
