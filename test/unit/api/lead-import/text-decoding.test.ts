import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../api/http-errors.ts';
import {
  charsetOf,
  decodeCsvText,
  detectCharset,
  limitBytes,
  SNIFF_BYTES,
} from '../../../../api/lead-import/text-decoding.ts';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}
async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}
/** Splits `bytes` every `size` bytes, cutting multi-byte characters in two. */
const split = (bytes: Buffer, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
const decode = async (parts: Uint8Array[], charset?: Parameters<typeof decodeCsvText>[1]) =>
  (await collect(decodeCsvText(chunks(...parts), charset))).join('');

const JAPANESE = 'メールアドレス,氏名\r\nyamada@example.jp,髙橋 ①郎 ﾃｽﾄ\r\n';

describe('charsetOf', () => {
  it('reads the charset parameter in any case and quoting, and its aliases', () => {
    expect(charsetOf('text/csv')).toBeUndefined();
    expect(charsetOf(undefined)).toBeUndefined();
    expect(charsetOf('text/csv; charset=UTF-8')).toBe('utf-8');
    for (const name of ['shift_jis', 'Shift_JIS', '"sjis"', 'windows-31j', 'CP932'])
      expect(charsetOf(`text/csv;charset=${name}`), name).toBe('shift_jis');
  });

  it('refuses other charsets with 415 naming them', () => {
    expect(() => charsetOf('text/csv; charset=euc-jp')).toThrow(
      expect.objectContaining({ statusCode: 415, message: expect.stringContaining('euc-jp') as unknown }),
    );
  });
});

describe('detectCharset', () => {
  it('takes a BOM or valid UTF-8 for UTF-8, and anything else for Shift_JIS', () => {
    expect(detectCharset(Buffer.from(`\uFEFF${JAPANESE}`))).toBe('utf-8');
    expect(detectCharset(Buffer.from(JAPANESE))).toBe('utf-8');
    expect(detectCharset(Buffer.from('email\nplain@example.com\n'))).toBe('utf-8');
    expect(detectCharset(iconv.encode(JAPANESE, 'cp932'))).toBe('shift_jis');
  });

  it('allows a UTF-8 character cut at the end of the bytes looked at', () => {
    const bytes = Buffer.from('あいう');
    expect(detectCharset(bytes.subarray(0, 4))).toBe('utf-8');
  });
});

describe('decodeCsvText', () => {
  it('decodes UTF-8 cut anywhere, dropping the BOM', async () => {
    const bytes = Buffer.from(`\uFEFF${JAPANESE}`);
    for (const size of [1, 2, 5, 1000]) expect(await decode(split(bytes, size)), `chunks of ${size}`).toBe(JAPANESE);
  });

  it('decodes Shift_JIS as CP932, declared or detected, cut anywhere', async () => {
    const bytes = iconv.encode(JAPANESE, 'cp932');
    for (const size of [1, 3, 1000]) {
      expect(await decode(split(bytes, size), 'shift_jis')).toBe(JAPANESE);
      expect(await decode(split(bytes, size))).toBe(JAPANESE);
    }
  });

  it('detects Shift_JIS that starts after a long ASCII part as invalid UTF-8 (400) unless declared', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`email,name\n${'a@example.com,A\n'.repeat(SNIFF_BYTES / 16 + 10)}`),
      iconv.encode('b@example.com,山田\n', 'cp932'),
    ]);
    await expect(decode(split(bytes, 16 * 1024))).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('charset=shift_jis') as unknown,
    });
    expect((await decode(split(bytes, 16 * 1024), 'shift_jis')).endsWith('b@example.com,山田\n')).toBe(true);
  });

  it('refuses bytes that are not UTF-8 when UTF-8 is declared', async () => {
    await expect(decode([Buffer.from([0x61, 0xff, 0x62])], 'utf-8')).rejects.toBeInstanceOf(HttpError);
  });

  it('decodes an empty body to nothing', async () => {
    expect(await decode([])).toBe('');
  });
});

describe('limitBytes', () => {
  it('passes up to the limit and fails with 413 past it', async () => {
    expect(await collect(limitBytes(chunks(Buffer.alloc(5), Buffer.alloc(5)), 10))).toHaveLength(2);
    await expect(collect(limitBytes(chunks(Buffer.alloc(5), Buffer.alloc(6)), 10))).rejects.toMatchObject({
      statusCode: 413,
      code: 'body_too_large',
    });
  });
});
