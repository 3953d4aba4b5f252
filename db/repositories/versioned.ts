/** A row kept in numbered versions per key. */
export interface Versioned {
  version: number;
}

/**
 * Saves the next version of a versioned row unless `same` says the newest one already
 * holds this content (a repeated PUT is not a new version). Two concurrent saves of one
 * key collide on the (key, version) primary key; the loser reads again and retries.
 */
export async function saveNextVersion<T extends Versioned>(ops: {
  newest: () => Promise<T | undefined>;
  same: (newest: T) => boolean;
  insert: (version: number) => Promise<T>;
}): Promise<{ saved: T; created: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const newest = await ops.newest();
    if (newest && ops.same(newest)) return { saved: newest, created: false };
    try {
      return { saved: await ops.insert((newest?.version ?? 0) + 1), created: true };
    } catch (error) {
      const uniqueViolation = (error as { code?: string }).code === '23505';
      if (!uniqueViolation || attempt >= 5) throw error;
    }
  }
}
