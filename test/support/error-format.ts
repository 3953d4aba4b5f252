import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Asserts the one error format: `{ "error": { "code", "message", "details"? } }` and nothing else. */
export function expectErrorFormat(
  response: LightMyRequestResponse,
  code?: string,
): { code: string; message: string; details?: unknown } {
  expect(response.headers['content-type'], response.body).toMatch(/^application\/json/);
  const body = response.json<{ error: { code: string; message: string; details?: unknown } }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body.error).every((key) => ['code', 'message', 'details'].includes(key))).toBe(true);
  if (code !== undefined) expect(body.error.code, response.body).toBe(code);
  return body.error;
}
