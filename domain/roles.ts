/** Who an API key belongs to, and so what it may do. */
export const ROLES = ['admin', 'marketer', 'sales', 'integration'] as const;

/** An API key's role. */
export type Role = (typeof ROLES)[number];

/**
 * Whether `role` may call `method` on the route `url` (its pattern, as `/v1/leads/:id`).
 * Marketers run cadences, templates, leads, reports and DM tasks; sales reps read leads,
 * read accounts, decide the reactivation of their own leads, work escalations and owners' tasks (every owner's: a key names no person, and reps
 * cover for each other) and read the pipeline; integrations (CRMs, scripts) write leads and
 * events and read leads back; only admins manage keys.
 */
export function roleAllows(role: Role, method: string, url: string): boolean {
  if (role === 'admin') return true;
  if (url.startsWith('/v1/api-keys')) return false;
  const read = method === 'GET' || method === 'HEAD';
  switch (role) {
    case 'marketer':
      return true;
    case 'sales':
      return (
        (read && url.startsWith('/v1/leads')) ||
        // An escalated contact's colleagues at the same company are the rep's context.
        (read && url.startsWith('/v1/accounts')) ||
        // Segments are saved lead lists: read like the leads; only marketers change them or act on them.
        (read && url.startsWith('/v1/segments')) ||
        // Their own leads only: the route checks the key's name against the lead's owner.
        (method === 'POST' && url === '/v1/leads/:id/reactivation') ||
        url.startsWith('/v1/escalations') ||
        url === '/v1/tasks' ||
        url.startsWith('/v1/tasks/') ||
        (read && url === '/v1/reports/pipeline')
      );
    case 'integration':
      return (
        ((url === '/v1/leads' || url === '/v1/leads/import') && method === 'POST') ||
        (url === '/v1/events' && method === 'POST') ||
        (read && url.startsWith('/v1/leads/')) ||
        (read && url.startsWith('/v1/segments'))
      );
  }
}
