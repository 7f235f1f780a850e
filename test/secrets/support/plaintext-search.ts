import type { WorkflowHandle } from '@temporalio/client';
import type { Harness } from '../../helpers/harness.ts';

/**
 * Every row of every table of the test database as text (`row::text`: bytea columns show as hex), so
 * a test can look for a value anywhere in Postgres, not only in the columns it thinks of.
 */
export async function databaseText(h: Harness): Promise<string> {
  const connection = h.services.orm.em.getConnection();
  const tables = await connection.execute<{ table_name: string }[]>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await connection.execute<{ row: string }[]>(`select t::text as row from "${table_name}" t`);
    parts.push(`# ${table_name}`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

/** A workflow's whole Temporal history as text, every payload's bytes decoded as UTF-8. */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const out: string[] = [];
  collectText(await handle.fetchHistory(), out, new Set());
  return out.join('\n');
}

/** Walks own fields (protobuf messages have a `toJSON` that would turn bytes into base64). */
function collectText(value: unknown, out: string[], seen: Set<unknown>): void {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const child of Object.values(value)) collectText(child, out, seen);
  }
}

/** Where `plaintext` appears in `text`, as is or hex-encoded (a bytea column): empty when nowhere. */
export function plaintextForms(text: string, plaintext: string): string[] {
  const hex = Buffer.from(plaintext, 'utf8').toString('hex');
  return [plaintext, hex].filter((form) => text.toLowerCase().includes(form.toLowerCase()));
}
