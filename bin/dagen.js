#!/usr/bin/env node
// Node 22 runs the TypeScript sources directly (type stripping), so no build step is needed.
import { main } from '../cli/main.ts';

await main(process.argv.slice(2));
