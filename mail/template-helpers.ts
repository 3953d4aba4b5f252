import type { HelperOptions } from 'handlebars';

interface RootData {
  lead?: { locale?: string; timezone?: string };
}

const rootOf = (options: HelperOptions): RootData => (options.data as { root?: RootData } | undefined)?.root ?? {};

/**
 * `{{sama lead.name}}`: the name with the honorific 様 (Japanese business mail addresses
 * everyone so), or ご担当者 様 when there is no name; English leads get the bare name or
 * "Sir or Madam". Escaped like any other value.
 */
export function sama(name: unknown, options: HelperOptions): string {
  const english = rootOf(options).lead?.locale === 'en';
  const text = typeof name === 'string' ? name.trim() : '';
  if (english) return text === '' ? 'Sir or Madam' : text;
  return text === '' ? 'ご担当者 様' : `${text} 様`;
}

/**
 * `{{date value}}` or `{{date value style="short"}}`: a date in the lead's language and
 * time zone (2026年11月29日 for ja, November 29, 2026 for en). Without a value, today.
 */
export function date(value: unknown, options?: HelperOptions): string {
  const opts = options ?? (value as HelperOptions);
  const root = rootOf(opts);
  const given = options === undefined ? undefined : value;
  const when =
    given instanceof Date
      ? given
      : typeof given === 'string' || typeof given === 'number'
        ? new Date(given)
        : new Date();
  if (Number.isNaN(when.getTime())) return '';
  const style = (opts.hash as { style?: string } | undefined)?.style === 'short' ? 'short' : 'long';
  return new Intl.DateTimeFormat(root.lead?.locale === 'en' ? 'en-US' : 'ja-JP', {
    dateStyle: style,
    timeZone: root.lead?.timezone ?? 'Asia/Tokyo',
  }).format(when);
}

/** The helpers every template may use, by name. */
export const TEMPLATE_HELPERS = { sama, date } as const;
