#!/usr/bin/env node
// Evaluated before anything below: on an older Node it prints one line and exits.
import './require-node22.js';

// Node 22 runs the TypeScript sources directly (type stripping), so no build step is needed. The CLI
// is imported dynamically: a static import of a .ts file is linked before any code runs, so on an
// older Node it would fail with a stack trace before the version check above.
const { main } = await import('../cli/main.ts');
await main(process.argv.slice(2));
