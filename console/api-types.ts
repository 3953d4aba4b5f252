/**
 * The JSON the console reads from the API, as far as pages use it. The API's route
 * schemas are the source of truth; these mirror the fields pages show.
 */

/** GET /v1/escalations items. */
export interface EscalationItem {
  id: string;
  leadId: string;
  kind: 'sales' | 'upsell';
  score: number;
  ownerEmail: string | null;
  createdAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
  lead?: { name: string | null; company: string | null; email: string } | undefined;
}

/** GET /v1/dm-tasks items. */
export interface DmTaskItem {
  id: string;
  leadId: string;
  lead: { email: string; name: string | null; company: string | null; department: string | null };
  postalAddress: { postalCode: string; prefecture: string; city: string; line1: string; line2?: string } | null;
  templateKey: string | null;
  letterSubject: string | null;
  letterUrl: string | null;
  status: 'open' | 'done' | 'cancelled' | 'held';
  statusReason: string | null;
  ownerEmail: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** GET /v1/templates items: every key with each language's newest version. */
export interface TemplateListItem {
  key: string;
  kind: 'layout' | 'partial' | 'notice' | 'email';
  latestVersion: number;
  updatedAt: string;
  locales: { locale: 'ja' | 'en'; version: number; subject: string; updatedAt: string }[];
}

/** GET /v1/templates/:key: one stored version. */
export interface TemplateVersionItem {
  key: string;
  version: number;
  locale: 'ja' | 'en';
  subject: string;
  mjml: string;
  createdAt: string;
}

/** POST /v1/templates/:key/preview. */
export interface TemplatePreview {
  subject: string;
  html: string;
  text: string;
  warnings: { path: string; message: string }[];
}

/** GET /v1/outbox items. */
export interface OutboxItem {
  id: string;
  receivedAt: string;
  messageId: string | null;
  from: string[];
  to: string[];
  subject: string;
  text: string;
  html: string | null;
}

/** GET /v1/reports/capacity. */
export interface CapacityReport {
  dailyActivities: number;
  reps: number;
  businessDaysPerMonth: number;
  requiredLeadsPerMonth: number;
  leadsInNurturing: number;
  leadsHeld: Record<string, number>;
  short: boolean;
  shortfall: number;
}

/** GET /v1/reports/funnel. */
export interface FunnelReport {
  stages: Record<string, number>;
  months: { month: string; newLeads: number; escalated: number; won: number; lost: number; reactivated: number }[];
}

/** GET /v1/reports/pipeline. */
export interface PipelineReport {
  asOf: string;
  today: string;
  stalledAfterDays: number;
  reps: {
    owner: string;
    dealCount: number;
    expectedAmount: number;
    weightedAmount: number;
    nextCloseDate: string | null;
    overdueCount: number;
    maxDaysStalled: number;
    deals: { leadId: string; company: string | null; name: string | null; dealStage: string | null; amount: number | null; probability: number | null; expectedCloseDate: string | null; daysStalled: number; stalled: boolean; overdue: boolean }[];
  }[];
  totals: { dealCount: number; expectedAmount: number; weightedAmount: number };
}

/** A list answer. */
export interface Items<T> {
  items: T[];
  total?: number;
  nextCursor?: string | null;
}
