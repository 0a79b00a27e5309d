#!/usr/bin/env node
// The `xent-oracle` executable: everything lives in main.ts so tests can call main() in-process.
import { main } from './main.js';
import { quietOnClosedPipes } from './io.js';

// `xent-oracle ops | head -2`: the reader may close the pipe before we are done writing
quietOnClosedPipes();
process.exitCode = await main(process.argv.slice(2));
