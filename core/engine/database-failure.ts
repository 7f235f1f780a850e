// How activities tell the workflow that Postgres cannot be reached, so it pauses instead of failing
// the run. Shared by both sides (workflows import it too): constants only.

/** The ApplicationFailure type an activity throws when the database cannot be reached. */
export const DATABASE_UNAVAILABLE = 'DatabaseUnavailable';
/** Its message: safe to keep in history and step records (no address, no SQL). */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database cannot be reached';
/** The ApplicationFailure type of any other database error, whose driver text is never passed on. */
export const DATABASE_ERROR = 'DatabaseError';
export const DATABASE_ERROR_MESSAGE = 'a database query failed';
