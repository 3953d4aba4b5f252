import pg from 'pg';

/** What repositories need of a pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// DATE columns as the 'YYYY-MM-DD' text they are: pg's default turns them into a Date at
// local midnight, which shifts a close date by a day on a server east of UTC.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/** A connection pool; errors of idle clients are logged instead of crashing the process. */
export function createPool(databaseUrl: string, onIdleError: (error: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
  pool.on('error', onIdleError);
  return pool;
}
