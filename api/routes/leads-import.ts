import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDependencies } from '../dependencies.ts';
import { csvRowsImported } from '../../observability/metrics.ts';
import { HttpError } from '../http-errors.ts';
import { importLeads } from '../lead-import/import-leads.ts';
import { bodyTooLarge, charsetOf, decodeCsvText, limitBytes } from '../lead-import/text-decoding.ts';

const ImportAnswer = Type.Object({
  received: Type.Integer({ description: 'data rows read (blank rows are not counted)' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  failed: Type.Integer({ description: 'rows not imported, each with at least one entry in errors' }),
  workflowsStarted: Type.Integer({ description: 'lifecycles this import started' }),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer({ description: 'the row as a spreadsheet numbers it: the header is 1' }),
      field: Type.Union([Type.String(), Type.Null()], {
        description: 'the lead field, null when the row as a whole is at fault',
      }),
      reason: Type.String(),
    }),
    { description: 'at most 1000, in row order' },
  ),
  errorsTruncated: Type.Boolean(),
});

const DESCRIPTION = [
  "Creates or updates leads (by email, case-insensitive) from a CSV file with a header row, and starts each lead's lifecycle once.",
  'Content-Type: text/csv; charset=utf-8 or shift_jis (also sjis, windows-31j, cp932); without a charset a BOM or valid UTF-8 means UTF-8, anything else Shift_JIS (CP932).',
  'Columns are mapped by header, English or Japanese (see the README); an unknown or repeated header, or no email column, is a 422 before any row is read.',
  'Each row is validated as POST /v1/leads validates its body; invalid rows are skipped and listed in errors, the others imported. The body is streamed, up to IMPORT_MAX_BYTES (413).',
].join(' ');

function countImportedRows({ created, updated, failed }: { created: number; updated: number; failed: number }): void {
  csvRowsImported.inc({ outcome: 'created' }, created);
  csvRowsImported.inc({ outcome: 'updated' }, updated);
  csvRowsImported.inc({ outcome: 'failed' }, failed);
}

/** `POST /v1/leads/import`: a CSV of leads, streamed, in its own scope because only it reads text/csv. */
export const leadImportRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  // This route takes CSV and nothing else (JSON is a 415 here), and takes it as the request
  // stream itself: a 200 MB file is read row by row, never held whole.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('text/csv', (_request, payload, done) => {
    done(null, payload);
  });

  app.post(
    '/v1/leads/import',
    {
      schema: {
        description: DESCRIPTION,
        consumes: ['text/csv'],
        body: Type.Unsafe<Readable>({
          type: 'string',
          description: 'CSV with a header row (UTF-8, UTF-8 with BOM or Shift_JIS)',
        }),
        response: { 200: ImportAnswer },
      },
      // The body is a stream, read by the handler: there is nothing for a JSON schema to check.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const body: unknown = request.body;
      if (!(body instanceof Readable))
        throw new HttpError(415, 'unsupported_media_type', 'send the file as Content-Type: text/csv');
      const maxBytes = config.importMaxBytes;
      try {
        const charset = charsetOf(request.headers['content-type']);
        if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw bodyTooLarge(maxBytes);
        // Not destroyed when the import stops early: the error still has to be answered on it.
        const bytes = limitBytes(body.iterator({ destroyOnReturn: false }), maxBytes);
        const result = await importLeads(decodeCsvText(bytes, charset), {
          db,
          temporal: temporal.client,
          taskQueue: config.temporalTaskQueue,
        });
        countImportedRows(result);
        return result;
      } catch (error) {
        // The rest of the body is not read: close the connection after the answer rather than
        // leave unread bytes where the next request would be parsed.
        if (!body.readableEnded) {
          void reply.header('connection', 'close');
          body.resume();
        }
        throw error;
      }
    },
  );
};
