import { DriverException } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import {
  DATABASE_ERROR,
  DATABASE_ERROR_MESSAGE,
  DATABASE_UNAVAILABLE,
  DATABASE_UNAVAILABLE_MESSAGE,
} from '../core/engine/database-failure.ts';
import { unreachableDependency } from '../core/errors.ts';
import type { Logger } from '../infra/logger.ts';

/**
 * Whether `err` came from the database. Its text may name the server's address, tables or the values
 * written, so it is never stored, logged or handed to the workflow as is.
 */
export function isDatabaseError(err: unknown): boolean {
  return isServerError(err) || unreachableDependency(err) === 'database';
}

/** An error the server answered: wrapped by the ORM, or raw from the driver (raw `execute`). */
function isServerError(err: unknown): boolean {
  if (err instanceof DriverException) return true;
  const { code, severity } = (err ?? {}) as { code?: unknown; severity?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** The text a step's or run's `error` may keep for `err`: a database error becomes a generic one. */
export function storedErrorMessage(err: unknown): string {
  if (unreachableDependency(err) === 'database') return DATABASE_UNAVAILABLE_MESSAGE;
  if (isServerError(err)) return DATABASE_ERROR_MESSAGE;
  return err instanceof Error ? err.message : String(err);
}

/** What a database error may log: its class and codes, never its message (address, SQL, values). */
function databaseErrorFields(err: unknown): Record<string, unknown> {
  const e = err as {
    name?: unknown;
    code?: unknown;
    constraint?: unknown;
    table?: unknown;
    column?: unknown;
  };
  return { error: e.name, code: e.code, constraint: e.constraint, table: e.table, column: e.column };
}

/**
 * The failure an activity throws for a database error: a typed ApplicationFailure with a generic
 * message, `DatabaseUnavailable` when the server cannot be reached (the workflow answers it by
 * pausing until the database is back).
 */
function toDatabaseFailure(err: unknown): ApplicationFailure {
  const unreachable = unreachableDependency(err) === 'database';
  return ApplicationFailure.create({
    type: unreachable ? DATABASE_UNAVAILABLE : DATABASE_ERROR,
    message: unreachable ? DATABASE_UNAVAILABLE_MESSAGE : DATABASE_ERROR_MESSAGE,
  });
}

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * Wraps every activity so that no database error leaves it raw: each is logged (class and code
 * only) and rethrown as `toDatabaseFailure` says.
 */
export function guardDatabaseErrors<T extends AsyncFunctions>(activities: T, log: Logger): T {
  const guarded = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof ApplicationFailure || !isDatabaseError(err)) throw err;
        log.warn({ activity: name, ...databaseErrorFields(err) }, 'activity hit a database error');
        throw toDatabaseFailure(err);
      }
    },
  ]);
  return Object.fromEntries(guarded) as T;
}
