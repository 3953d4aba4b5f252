import type { Role } from '../../domain/roles.ts';
import type { Queryable } from '../pool.ts';

/** An API key as listed: never the key itself. */
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  keyPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const fromRow = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  role: row.role,
  keyPrefix: row.key_prefix,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

/** Stores a key by its digest. */
export async function insertApiKey(
  db: Queryable,
  key: { name: string; role: Role; digest: Buffer; prefix: string },
): Promise<ApiKey> {
  const result = await db.query<ApiKeyRow>(
    'INSERT INTO api_keys (name, role, key_digest, key_prefix) VALUES ($1, $2, $3, $4) RETURNING *',
    [key.name, key.role, key.digest, key.prefix],
  );
  return fromRow(result.rows[0] as ApiKeyRow);
}

/**
 * The live key with this digest, marking it used. Looked up by its SHA-256 digest: the
 * index compares digests, which tell an attacker nothing about any key's characters.
 */
export async function useApiKey(db: Queryable, digest: Buffer): Promise<ApiKey | undefined> {
  const result = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET last_used_at = now() WHERE key_digest = $1 AND revoked_at IS NULL RETURNING *`,
    [digest],
  );
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

/** Every key, newest first. */
export async function listApiKeys(db: Queryable): Promise<ApiKey[]> {
  const result = await db.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC');
  return result.rows.map(fromRow);
}

/** Revokes a key (revoking twice keeps the first time); undefined when there is no such key. */
export async function revokeApiKey(db: Queryable, id: string): Promise<ApiKey | undefined> {
  const result = await db.query<ApiKeyRow>(
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *',
    [id],
  );
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}
