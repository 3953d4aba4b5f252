import type pg from 'pg';

/**
 * The real pool, with the statements handed to it counted, those of the clients it lends
 * for a transaction (`connect()`) included: what a round-trip test passes as the code's
 * Queryable or pool, so it can say how many statements a path costs.
 */
export function countingPool(pool: pg.Pool): { db: pg.Pool; count: () => number; reset: () => void } {
  let statements = 0;
  // One wrapper for the pool and each client it lends: `query` counted, `connect` (the
  // pool's only) lending a counted client, everything else as it is.
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(on, property, receiver) {
        const value = Reflect.get(on, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'query')
          return (...args: unknown[]) => {
            statements++;
            return (value as (...a: unknown[]) => unknown).apply(on, args);
          };
        if (on === pool && property === 'connect') return async () => counting(await pool.connect());
        return value;
      },
    });
  const db = counting(pool);
  return {
    db,
    count: () => statements,
    reset: () => {
      statements = 0;
    },
  };
}
