import type { Queryable } from '../pool.ts';

/** A console sign-in as stored: digests only, never the session id or the key. */
export interface ConsoleSession {
  keyDigest: Buffer;
  csrfToken: string;
  expiresAt: Date;
}

/** Opens a session, dropping expired ones on the way so the table stays small. */
export async function insertConsoleSession(
  db: Queryable,
  session: { idDigest: Buffer; keyDigest: Buffer; csrfToken: string; ttlMs: number },
): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE expires_at < now()');
  await db.query(
    `INSERT INTO console_sessions (id_digest, key_digest, csrf_token, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
    [session.idDigest, session.keyDigest, session.csrfToken, session.ttlMs],
  );
}

/** The live session with this id digest, if any. */
export async function findConsoleSession(db: Queryable, idDigest: Buffer): Promise<ConsoleSession | undefined> {
  const result = await db.query<{ key_digest: Buffer; csrf_token: string; expires_at: Date }>(
    'SELECT key_digest, csrf_token, expires_at FROM console_sessions WHERE id_digest = $1 AND expires_at > now()',
    [idDigest],
  );
  const row = result.rows[0];
  return row ? { keyDigest: row.key_digest, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
}

/** Ends a session (signing out twice is harmless). */
export async function deleteConsoleSession(db: Queryable, idDigest: Buffer): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE id_digest = $1', [idDigest]);
}
