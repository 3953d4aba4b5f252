import { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import { HttpError } from './http-errors.ts';

/** A form's fields (and uploaded files) by name, as the bytes sent: their charset is the caller's to apply. */
export type FormFields = Map<string, Buffer>;

/**
 * Parses a `multipart/form-data` or `application/x-www-form-urlencoded` body into its
 * fields, each kept as bytes (latin1 round-trips every byte), because inbound-mail
 * providers send fields in the charset of the message (SendGrid names it per field in
 * `charsets`). Files become fields too (a provider's raw message may come as one).
 * Malformed bodies are 400.
 */
export function parseFormFields(body: Buffer, contentType: string, limits: { fields: number }): Promise<FormFields> {
  return new Promise((resolve, reject) => {
    const fields: FormFields = new Map();
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: { 'content-type': contentType },
        defCharset: 'latin1',
        limits: { fields: limits.fields, files: limits.fields, fieldSize: body.length, fileSize: body.length },
      });
    } catch (error) {
      reject(new HttpError(400, 'malformed', `the form cannot be read: ${(error as Error).message}`));
      return;
    }
    const files: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      fields.set(name, Buffer.from(value, 'latin1'));
    });
    parser.on('file', (name, stream) => {
      files.push(
        (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          fields.set(name, Buffer.concat(chunks));
        })(),
      );
    });
    parser.on('error', (error: Error) =>
      reject(new HttpError(400, 'malformed', `the form cannot be read: ${error.message}`)),
    );
    parser.on('finish', () => {
      Promise.all(files).then(
        () => resolve(fields),
        (error: Error) => reject(new HttpError(400, 'malformed', `the form cannot be read: ${error.message}`)),
      );
    });
    Readable.from([body]).pipe(parser);
  });
}
