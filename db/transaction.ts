import type pg from 'pg';

/**
 * Runs `work` in a transaction on one pooled client: committed when it resolves, rolled
 * back when it throws. An effect outside the database (a Temporal signal) made inside
 * `work` before it resolves is what makes "2xx means durable" hold for webhooks.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
