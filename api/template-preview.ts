import type pg from 'pg';
import Type, { type Static } from 'typebox';
import type { Locale } from '../domain/lead.ts';
import { findTemplate, findTemplateFor, type TemplateContent } from '../db/repositories/templates.ts';
import { withComplianceFooter } from '../mail/compliance.ts';
import { compileTemplate, InvalidTemplateError, renderEmail, unknownVariables } from '../mail/render.ts';
import { expandWith } from '../mail/template-source.ts';
import { displayNameOf } from '../mail/transport.ts';
import type { AppDependencies } from './dependencies.ts';
import { notFound, unprocessable } from './http-errors.ts';

/** A template language in a request. */
export const LocaleSchema = Type.Enum(['ja', 'en']);

const Text = Type.String({ maxLength: 200 });

/** Sample lead fields a preview or test send renders with, in place of the sample lead's. */
export const PreviewLeadSchema = Type.Object(
  {
    name: Type.Optional(Text),
    company: Type.Optional(Text),
    department: Type.Optional(Text),
    title: Type.Optional(Text),
    email: Type.Optional(Text),
    phone: Type.Optional(Text),
    ownerEmail: Type.Optional(Text),
    postalAddress: Type.Optional(
      Type.Object({ postalCode: Text, prefecture: Text, city: Text, line1: Text, line2: Type.Optional(Text) }),
    ),
  },
  { additionalProperties: false },
);

/** What a preview renders: the stored template, or a draft `subject` + `mjml`, for a sample lead. */
export interface PreviewRequest {
  subject?: string | undefined;
  mjml?: string | undefined;
  locale?: Locale | undefined;
  lead?: Static<typeof PreviewLeadSchema> | undefined;
}

/** The sample lead a preview shows when none is given. */
const SAMPLE_LEAD = {
  ja: {
    name: '山田 太郎',
    company: '株式会社サンプル商事',
    department: '営業企画部',
    title: '部長',
    email: 'taro.yamada@example.jp',
    locale: 'ja',
    timezone: 'Asia/Tokyo',
  },
  en: {
    name: 'Alex Smith',
    company: 'Example Trading Inc.',
    department: 'Sales Planning',
    title: 'Director',
    email: 'alex.smith@example.com',
    locale: 'en',
    timezone: 'Asia/Tokyo',
  },
} as const;

/** Runs a template check, answering 422 with each problem's part and line. */
export async function or422<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof InvalidTemplateError) {
      throw unprocessable(
        'the template does not compile',
        error.problems.map((p) => ({ path: `/${p.part}`, line: p.line, message: p.message })),
      );
    }
    throw error;
  }
}

// Rep notices get more than a lead: the score, the link, the recent activity.
const NOTICE_VARIABLES = ['score', 'leadUrl', 'recent', 'daysStalled', 'at', 'kind', 'detail'];

/** Unknown variables in a template's subject and MJML, as `warnings` name them. */
export const warningsOf = (key: string, content: TemplateContent) => {
  const extra = key.startsWith('notice-') ? NOTICE_VARIABLES : [];
  return [
    ...unknownVariables(content.subject, extra).map((v) => ({
      path: '/subject',
      message: `unknown variable "${v}" renders empty`,
    })),
    ...unknownVariables(content.mjml, extra).map((v) => ({
      path: '/mjml',
      message: `unknown variable "${v}" renders empty`,
    })),
  ];
};

/**
 * The email as a lead would get it, compliance footer included: the stored template's
 * newest version in the language asked (or the draft given), rendered for the sample
 * lead with `lead`'s fields over it. 404 for an unknown template, 422 for one that does
 * not compile.
 */
export async function renderPreview(
  db: pg.Pool,
  config: Pick<AppDependencies['config'], 'publicBaseUrl' | 'mailFrom' | 'senderPostalAddress' | 'senderContact'>,
  key: string,
  request: PreviewRequest,
): Promise<{
  subject: string;
  html: string;
  text: string;
  locale: Locale;
  warnings: { path: string; message: string }[];
}> {
  const draft = request.subject !== undefined && request.mjml !== undefined;
  const stored = draft
    ? undefined
    : request.locale === undefined
      ? await findTemplate(db, key)
      : await findTemplateFor(db, key, request.locale);
  if (!stored && !draft) throw notFound(`template "${key}"`);
  const locale: Locale = request.locale ?? stored?.locale ?? 'ja';
  const content = {
    subject: request.subject ?? stored?.subject ?? '',
    mjml: request.mjml ?? stored?.mjml ?? '',
    locale,
  };
  const compiled = await or422(async () =>
    compileTemplate({ ...content, mjml: (await expandWith(db, content.mjml, locale)).mjml }, content.mjml),
  );
  const lead = { ...SAMPLE_LEAD[locale], ...request.lead };
  const unsubscribeUrl = `${config.publicBaseUrl}/u/preview`;
  const sender = {
    name: displayNameOf(config.mailFrom),
    postalAddress: config.senderPostalAddress,
    contact: config.senderContact,
  };
  const rendered = withComplianceFooter(renderEmail(compiled, { lead, unsubscribeUrl }), {
    sender,
    unsubscribeUrl,
    locale,
  });
  return { ...rendered, locale, warnings: warningsOf(key, content) };
}
