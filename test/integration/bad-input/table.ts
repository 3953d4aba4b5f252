import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../../domain/roles.ts';

/** A console sign-in as a browser holds it: its cookies and the CSRF token its forms carry. */
export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

/** What the rows' requests refer to: records and keys made before the suite runs. */
export interface Fixtures {
  leadId: string;
  /** The fixture lead's account (its corporate domain groups it). */
  accountId: string;
  /** A saved segment (nurturing leads), for the console's segment page. */
  segmentId: string;
  leadEmail: string;
  dmTaskId: string;
  /** An owner's to-do, already done: completing it again answers it and changes nothing. */
  todoTaskId: string;
  escalationId: string;
  apiKeyId: string;
  /** A key per role other than admin. */
  keys: Record<Exclude<Role, 'admin'>, string>;
  /** Signed link tokens for the fixture lead. */
  tokens: { unsubscribe: string; open: string; click: string };
  /** The same link tokens signed with another secret: complete, so only the MAC check refuses them. */
  forged: { unsubscribe: string; open: string; click: string };
  /** The signature headers of each signed webhook over `raw`. */
  sign: {
    generic: (raw: Buffer) => Record<string, string>;
    sendgrid: (raw: Buffer, timestamp?: string) => Record<string, string>;
    zoho: () => Record<string, string>;
    /** HubSpot's v3 signature headers over `raw` (timestamp in ms, default now). */
    hubspot: (raw: Buffer, timestamp?: string) => Record<string, string>;
  };
  /** Console sign-ins made through the real forms; `signInForm` is the sign-in form's own pre-session cookie and token. */
  sessions: { marketer: ConsoleSession; sales: ConsoleSession; signInForm: ConsoleSession };
  /** The one message in the suite's outbox folder. */
  outboxMessageId: string;
  /** A validly signed Mailgun `signature` object (the signature travels in the body). */
  mailgunSignature: (timestamp?: string) => { timestamp: string; token: string; signature: string };
  /** A GET as admin, for rows that check what was stored. */
  get: (url: string) => Promise<unknown>;
  /** Rows of a read-model query, for what no route shows. */
  query: (sql: string, params?: unknown[]) => Promise<unknown[]>;
}

/** One bad (or hostile but legitimate) request to one route, and the answer it must get. */
export interface Row {
  /** The route as registered: `POST /v1/leads/:id/pause`; `unknown` for routes that do not exist. */
  route: string;
  case: string;
  request: (f: Fixtures) => InjectOptions;
  /**
   * The status. Several, any of which is right, only where the answer really varies (a row
   * saying why); every row of today's table has one.
   */
  status: number | readonly number[];
  /** The error code, for 4xx. */
  code?: string;
  /** JSON paths the error `details` must name. */
  names?: readonly string[];
  /** For a 2xx: checks what was stored or answered (verbatim, escaped on output). */
  stored?: (f: Fixtures, response: LightMyRequestResponse) => Promise<void>;
  /**
   * A request that stores data (a 2xx): only these tables may change. Without it the
   * request must change nothing at all. Either way every other table, the workflows and the
   * Temporal calls are checked.
   */
  changesOnly?: readonly string[];
  /**
   * What the request asks of Temporal, when not nothing: one `signal` to the fixture lead's
   * workflow (its history grows), or one `start` of a new lead's workflow (one more
   * workflow). Exactly that; nothing else.
   */
  temporal?: 'signal' | 'start';
  /** A page for a person (HTML), not the JSON error format. */
  page?: boolean;
  /** Sent twice: the second answer must be this row's status too, and change nothing. */
  replay?: boolean;
}
