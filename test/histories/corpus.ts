// The replay corpus is append-only: MANIFEST.sha256 (sha256sum format) lists every recorded history
// with its hash. The replay test fails when a listed history is missing or changed, or when a history
// is not listed, so re-recording or deleting one cannot slip through review unnoticed.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HISTORIES_DIR = fileURLToPath(new URL('./', import.meta.url));
const MANIFEST = `${HISTORIES_DIR}MANIFEST.sha256`;

/** The recorded history files on disk, by name. */
export function historyFiles(): string[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function sha256Of(file: string): string {
  return createHash('sha256')
    .update(readFileSync(`${HISTORIES_DIR}${file}`))
    .digest('hex');
}

/** File name → hash, as committed. */
export function manifest(): Map<string, string> {
  if (!existsSync(MANIFEST)) return new Map();
  const lines = readFileSync(MANIFEST, 'utf8').split('\n').filter(Boolean);
  return new Map(lines.map((line) => [line.slice(66), line.slice(0, 64)]));
}

/** Adds a newly recorded history to the manifest (record.ts calls it; nothing else should). */
export function addToManifest(file: string): void {
  appendFileSync(MANIFEST, `${sha256Of(file)}  ${file}\n`);
}
