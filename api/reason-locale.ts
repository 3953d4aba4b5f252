import type { FastifyRequest } from 'fastify';
import type { ReasonLocale } from '../domain/touch-reasons.ts';
import { reasonMessage, type TouchReason } from '../domain/touch-reasons.ts';

/** The language of explanations: English when `Accept-Language` names it before Japanese, else Japanese. */
export function reasonLocaleOf(request: FastifyRequest): ReasonLocale {
  const accepted = (request.headers['accept-language'] ?? '').toLowerCase();
  const ja = accepted.indexOf('ja');
  const en = accepted.indexOf('en');
  return en !== -1 && (ja === -1 || en < ja) ? 'en' : 'ja';
}

/** Reasons as the API answers them: a stable code and a sentence in the reader's language. */
export function presentReasons(
  reasons: readonly TouchReason[],
  locale: ReasonLocale,
): { code: TouchReason['code']; message: string }[] {
  return reasons.map((reason) => ({ code: reason.code, message: reasonMessage(reason, locale) }));
}
