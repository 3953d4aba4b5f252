import type { Queryable } from '../db/pool.ts';
import type { TemplateCache } from '../mail/render.ts';
import type { Mailer } from '../mail/transport.ts';

/** What activities need from the outside world; the worker builds it once. */
export interface ActivityDependencies {
  db: Queryable;
  mailer: Mailer;
  templates: TemplateCache;
  mailFrom: string;
}
