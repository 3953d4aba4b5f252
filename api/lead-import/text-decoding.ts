import iconv from 'iconv-lite';
import { HttpError } from '../http-errors.ts';

/** The encodings an import is read in. "shift_jis" is decoded as CP932 (Windows-31J), which is what Japanese "Shift_JIS" files are. */
export type CsvCharset = 'utf-8' | 'shift_jis';

const CHARSET_NAMES: Record<string, CsvCharset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  shift_jis: 'shift_jis',
  'shift-jis': 'shift_jis',
  sjis: 'shift_jis',
  'windows-31j': 'shift_jis',
  cp932: 'shift_jis',
  ms932: 'shift_jis',
};

/** Bytes looked at to guess the encoding when the content type names none. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * The charset a `Content-Type` header names, undefined when it names none (then the bytes
 * decide, see {@link decodeCsvText}); 415 for one the import cannot read.
 */
export function charsetOf(contentType: string | undefined): CsvCharset | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  if (!match) return undefined;
  const name = (match[1] ?? '').toLowerCase();
  const charset = CHARSET_NAMES[name];
  if (charset === undefined) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `charset "${name}" is not supported; send utf-8 or shift_jis (also sjis, windows-31j, cp932), or leave charset out to have it detected`,
    );
  }
  return charset;
}

/**
 * The encoding of a file starting with `head`: a UTF-8 BOM, or bytes that are valid UTF-8
 * (a sequence cut at the end of `head` allowed), mean UTF-8; anything else is Shift_JIS,
 * where bytes such as 0x82 0xA0 are not UTF-8.
 */
export function detectCharset(head: Uint8Array): CsvCharset {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'shift_jis';
  }
}

/** The body is not in the encoding it was declared or detected in. */
const notDecodable = (charset: CsvCharset) =>
  new HttpError(
    400,
    'malformed',
    charset === 'utf-8'
      ? 'the body is not valid UTF-8; if it is Shift_JIS, send Content-Type: text/csv; charset=shift_jis'
      : 'the body is not valid Shift_JIS',
  );

type Decode = (chunk: Uint8Array, last: boolean) => string;

function decoderFor(charset: CsvCharset): Decode {
  if (charset === 'utf-8') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    return (chunk, last) => {
      try {
        return decoder.decode(chunk, { stream: !last });
      } catch {
        throw notDecodable('utf-8');
      }
    };
  }
  const decoder = iconv.getDecoder('cp932');
  return (chunk, last) =>
    decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) + (last ? (decoder.end() ?? '') : '');
}

/**
 * Decodes a byte stream to text chunk by chunk, never holding more than {@link SNIFF_BYTES}
 * of it: in `charset`, or in the one {@link detectCharset} finds in the first bytes. A UTF-8
 * BOM is dropped; invalid UTF-8 is a 400, not text with replacement characters.
 */
export async function* decodeCsvText(
  source: AsyncIterable<Uint8Array>,
  charset: CsvCharset | undefined,
): AsyncGenerator<string> {
  let decode = charset === undefined ? undefined : decoderFor(charset);
  const head: Uint8Array[] = [];
  let headBytes = 0;
  for await (const chunk of source) {
    if (decode) {
      const text = decode(chunk, false);
      if (text !== '') yield text;
      continue;
    }
    head.push(chunk);
    headBytes += chunk.byteLength;
    if (headBytes >= SNIFF_BYTES) {
      const bytes = Buffer.concat(head);
      head.length = 0;
      decode = decoderFor(detectCharset(bytes));
      const text = decode(bytes, false);
      if (text !== '') yield text;
    }
  }
  const bytes = Buffer.concat(head);
  decode ??= decoderFor(detectCharset(bytes));
  const rest = decode(bytes, true);
  if (rest !== '') yield rest;
}

/** 413 in the error format, naming the limit. */
export const bodyTooLarge = (maxBytes: number): HttpError =>
  new HttpError(
    413,
    'body_too_large',
    `the body is larger than ${maxBytes} bytes (IMPORT_MAX_BYTES); split the file`,
    undefined,
    { connection: 'close' },
  );

/** Passes `source` through, failing with 413 as soon as more than `maxBytes` have come. */
export async function* limitBytes(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw bodyTooLarge(maxBytes);
    yield chunk;
  }
}
