/**
 * A json/jsonb value as a parameter of raw SQL: the driver would send a JS array as a Postgres
 * array, so it goes as JSON text; null (or absent) stays SQL null, as the ORM writes it.
 */
export function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
