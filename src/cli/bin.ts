#!/usr/bin/env node
// The `xent-oracle` executable: everything lives in main.ts so tests can call main() in-process.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
