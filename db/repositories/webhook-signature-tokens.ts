import type { Queryable } from '../pool.ts';

/**
 * Claims a signature's token for `provider`: true the first time, false when it was used
 * within `lifetimeS` seconds (a replay). Tokens older than that are deleted first: the
 * signature's timestamp check refuses them anyway.
 */
export async function claimSignatureToken(
  db: Queryable,
  provider: string,
  token: string,
  lifetimeS: number,
): Promise<boolean> {
  await db.query('DELETE FROM webhook_signature_tokens WHERE seen_at < now() - make_interval(secs => $1)', [lifetimeS]);
  const result = await db.query(
    'INSERT INTO webhook_signature_tokens (provider, token) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [provider, token],
  );
  return result.rowCount === 1;
}

/** Gives a claimed token back, when the report it came with could not be handled, so the provider's retry is accepted. */
export async function releaseSignatureToken(db: Queryable, provider: string, token: string): Promise<void> {
  await db.query('DELETE FROM webhook_signature_tokens WHERE provider = $1 AND token = $2', [provider, token]);
}
