#!/usr/bin/env node
import { USAGE } from './index.js';

process.stdout.write(USAGE);
