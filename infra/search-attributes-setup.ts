import type { Connection } from '@temporalio/client';
// A default import: @temporalio/proto is CommonJS, and Node's ESM loader finds no named exports in it.
import proto from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes.ts';

/**
 * Registers dagen's keyword search attributes on a namespace (what `temporal operator
 * search-attribute create` does); attributes already present are left alone. Returns the names added.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return missing.map((k) => k.name);
}
