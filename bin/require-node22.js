// Stops an entry point on a Node.js too old for dagen with one line instead of a stack trace.
// dagen's sources are TypeScript that Node runs as is, which needs 22.18 or newer (type stripping on
// by default); an older Node fails on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION.
// bin/dagen.js imports this first; `npm test` and the benchmarks run it before anything else
// (`node bin/require-node22.js && …`). Plain JavaScript, so that any Node can load it.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `dagen needs Node.js 22.18 or newer (this is v${process.versions.node}): ` +
      'run ./dagen (or bash .ci/run for the tests), which installs it, or put Node 22 on PATH',
  );
  process.exit(1);
}
