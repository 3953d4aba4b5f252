import type pg from 'pg';

/**
 * The real pool, with the statements handed to it counted: what a round-trip test passes
 * as the code's Queryable, so it can say how many statements a path costs.
 */
export function countingPool(pool: pg.Pool): { db: pg.Pool; count: () => number; reset: () => void } {
  let statements = 0;
  const db = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (...args: unknown[]) => {
        statements++;
        return (target.query as (...a: unknown[]) => unknown)(...args);
      };
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
