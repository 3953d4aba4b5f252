import type pg from 'pg';

/**
 * The real pool, with the statements handed to it counted, those of the clients it lends
 * for a transaction (`connect()`) included: what a round-trip test passes as the code's
 * Queryable or pool, so it can say how many statements a path costs.
 */
export function countingPool(pool: pg.Pool): { db: pg.Pool; count: () => number; reset: () => void } {
  let statements = 0;
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(on, property, receiver) {
        const value = Reflect.get(on, property, receiver) as unknown;
        if (property !== 'query' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          statements++;
          return (value as (...a: unknown[]) => unknown).apply(on, args);
        };
      },
    });
  const db = new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'connect') return async () => counting(await target.connect());
      if (property === 'query')
        return (...args: unknown[]) => {
          statements++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return {
    db,
    count: () => statements,
    reset: () => {
      statements = 0;
    },
  };
}
