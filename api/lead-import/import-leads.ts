import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from '@temporalio/client';
import { CsvError, parse, type InfoRecord, type Options } from 'csv-parse';
import type pg from 'pg';
import { findCadence } from '../../db/repositories/cadences.ts';
import { ACCOUNT_ASSIGNMENT_LOCK, assignAccountsOf } from '../../db/repositories/accounts.ts';
import { existingEmails, upsertLeadBatch, type LeadBatchItem } from '../../db/repositories/lead-batches.ts';
import { withTransaction } from '../../db/transaction.ts';
import { HttpError, unprocessable } from '../http-errors.ts';
import { DEFAULT_CADENCE, leadDefaults, missingCadence, type LeadInput } from '../../intake/lead-intake.ts';
import { ensureLifecycleStarted } from '../../intake/lifecycle-client.ts';
import { mapHeader, type ImportColumn } from './columns.ts';
import { LeadIdList } from './lead-id-list.ts';
import { leadFromRow, type RowError } from './rows.ts';

/** What `POST /v1/leads/import` answers. */
export interface ImportSummary {
  /** Data rows read (blank rows are not counted). */
  received: number;
  created: number;
  updated: number;
  failed: number;
  /** Lifecycles started by this import (a lead whose lifecycle already ran is not started again). */
  workflowsStarted: number;
  errors: RowError[];
  /** More errors than `errors` holds were found. */
  errorsTruncated: boolean;
}

/** How an import runs; the defaults suit 100,000 rows. */
export interface ImportOptions {
  db: pg.Pool;
  temporal: Client;
  taskQueue: string;
  /** Rows per SQL statement. */
  batchSize?: number;
  /** Workflow starts in flight at once. */
  startConcurrency?: number;
  /** Errors listed in the answer. */
  maxErrors?: number;
}

/** The longest row read, in characters: far above a lead's fields, low enough that an unclosed quote cannot swallow the file into memory. */
const MAX_ROW_CHARS = 64 * 1024;

/**
 * Rows csv-parse skips (a stray quote, say) before the file is refused as not CSV at all.
 * Each is queued until the rows around it are read, so without a bound a file of nothing
 * but such rows filled the heap (3 MB of them ended the process). A thousand is the length
 * of the error list an answer holds: a file past it is the wrong file, not a few bad rows.
 */
export const MAX_PARSE_ERRORS = 1000;

// After these, csv-parse no longer knows where rows end: every later row would be wrong.
const UNRECOVERABLE = new Set(['CSV_INVALID_CLOSING_QUOTE', 'CSV_QUOTE_NOT_CLOSED', 'CSV_MAX_RECORD_SIZE']);

interface CsvProblem {
  code?: string;
  message: string;
  lines?: number;
  records?: number;
  empty_lines?: number;
}

/** A record as the parser hands it on: its cells and its row as a spreadsheet numbers it. */
interface ParsedRow {
  cells: string[];
  row: number;
}

const malformed = (problem: CsvProblem): HttpError =>
  new HttpError(400, 'malformed', `the CSV cannot be read past line ${problem.lines ?? '?'}: ${problem.message}`, {
    line: problem.lines ?? null,
    code: problem.code ?? null,
  });

const tooManyParseErrors = (last: CsvProblem): HttpError =>
  new HttpError(
    400,
    'malformed',
    `more than ${MAX_PARSE_ERRORS} rows are not valid CSV (the last at line ${last.lines ?? '?'}: ${last.message}); no row was imported`,
    {
      line: last.lines ?? null,
      code: 'too_many_parse_errors',
      limit: MAX_PARSE_ERRORS,
    },
  );

/**
 * Reads a CSV of leads and imports it: every row validated, the valid ones upserted by email in
 * batches inside one transaction (a 4xx half-way, a dropped connection or a syntax error csv-parse
 * cannot recover from leaves the database as it was), then, once committed, each lead's lifecycle
 * started once, `startConcurrency` at a time. Holds two batches of rows (one parsed while the
 * other is written) and 16 bytes per lead id.
 */
export async function importLeads(text: AsyncIterable<string>, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 500;
  const maxErrors = options.maxErrors ?? 1000;
  const summary: ImportSummary = {
    received: 0,
    created: 0,
    updated: 0,
    failed: 0,
    workflowsStarted: 0,
    errors: [],
    errorsTruncated: false,
  };
  // Each call names rows not failed before (a row is reported once, all its errors at once):
  // counted without remembering every failed row, which a file of bad rows would make large.
  const fail = (errors: readonly RowError[]) => {
    summary.failed += new Set(errors.map((error) => error.row)).size;
    for (const error of errors) {
      if (summary.errors.length < maxErrors) summary.errors.push(error);
      else summary.errorsTruncated = true;
    }
  };

  // Skipped records are reported by csv-parse as it parses, ahead of the records the loop
  // below has taken: queued with their row, and reported in row order.
  const skipped: RowError[] = [];
  let skippedCount = 0;
  let fatal: CsvProblem | undefined;
  const skip = (error: CsvProblem) => {
    if (UNRECOVERABLE.has(error.code ?? '')) {
      fatal ??= error;
      return;
    }
    // Thrown, not passed to destroy(): csv-parse stops at once instead of parsing the rest
    // of the chunk it is in (the whole file, when it came as one), and the loop gets it.
    if (skippedCount >= MAX_PARSE_ERRORS) throw tooManyParseErrors(error);
    skippedCount++;
    skipped.push({
      row: (error.records ?? 0) + (error.empty_lines ?? 0) + skippedCount,
      field: null,
      reason: `not valid CSV: ${error.message}`,
    });
  };
  const parserOptions: Options<ParsedRow, string[]> = {
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: MAX_ROW_CHARS,
    // Numbered as it is parsed, for skipped records shift the rows after them, not before.
    on_record: (cells: string[], context: InfoRecord) => ({
      cells,
      row: context.records + context.empty_lines + skippedCount,
    }),
    on_skip: (error) => {
      if (error) skip(error);
      return undefined;
    },
  };
  // parse()'s typings without `columns` fix the record type to string[]; on_record changes it.
  const parser = parse(parserOptions as unknown as Options);
  const parsing = pipeline(Readable.from(text), parser);
  // Its errors reach the loop through the parser; this only keeps the rejection handled.
  parsing.catch(() => {});

  const ids = new LeadIdList();
  await withTransaction(options.db, async (client) => {
    const cadences = new Map<string, boolean>();
    const cadenceExists = async (key: string) => {
      let exists = cadences.get(key);
      if (exists === undefined) cadences.set(key, (exists = (await findCadence(client, key)) !== undefined));
      return exists;
    };
    let batch: { row: number; lead: LeadInput }[] = [];
    const store = async (parsed: { row: number; lead: LeadInput }[]) => {
      const rows = await withCadences(client, parsed, cadenceExists, fail);
      const merged = mergeByEmail(rows);
      // Account assignments take this lock; taken before the batch's rows are, so an
      // assignment running beside the import never waits on a row the import holds.
      await client.query('SELECT pg_advisory_xact_lock($1)', [ACCOUNT_ASSIGNMENT_LOCK]);
      const { created, updated } = await upsertLeadBatch(
        client,
        [...merged.values()].map((m) => m.item),
        leadDefaults(DEFAULT_CADENCE),
      );
      await assignAccountsOf(
        client,
        [...created, ...updated].map((lead) => lead.id),
      );
      for (const lead of created) {
        ids.push(lead.id);
        summary.created++;
        summary.updated += (merged.get(lead.email.toLowerCase())?.rows ?? 1) - 1;
      }
      for (const lead of updated) {
        ids.push(lead.id);
        summary.updated += merged.get(lead.email.toLowerCase())?.rows ?? 1;
      }
    };
    // The next batch is parsed and validated while the last one is written: one batch in the
    // database and one being read, never more, so memory stays at two batches. Batches are
    // stored in file order (a later row for the same address still overrides an earlier one).
    let storing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const parsed = batch;
      batch = [];
      await storing;
      storing = store(parsed);
      // Awaited by the next flush or after the loop; an error thrown before then wins instead.
      storing.catch(() => {});
    };

    let fields: ImportColumn[] | undefined;
    try {
      for await (const { cells: record, row } of parser as AsyncIterable<ParsedRow>) {
        if (fatal) throw malformed(fatal);
        if (!fields) {
          const mapping = mapHeader(record);
          if (!mapping.ok) throw unprocessable('the header row cannot be imported; no row was read', mapping.problems);
          fields = mapping.fields;
          continue;
        }
        while (skipped.length > 0 && (skipped[0] as RowError).row < row) {
          summary.received++;
          fail([skipped.shift() as RowError]);
        }
        // Spreadsheets save rows they once touched as ",,,,": nothing to import, nothing to report.
        if (record.every((cell) => cell.trim() === '')) continue;
        summary.received++;
        if (record.length !== fields.length) {
          fail([{ row, field: null, reason: `has ${record.length} fields, the header has ${fields.length}` }]);
          continue;
        }
        const result = leadFromRow(record, fields, row);
        if ('errors' in result) {
          fail(result.errors);
          continue;
        }
        batch.push({ row, lead: result.lead });
        if (batch.length >= batchSize) await flush();
      }
    } catch (error) {
      // The rollback must not overtake the batch still being written on the same connection.
      await storing.catch(() => {});
      throw error instanceof CsvError ? malformed(error) : error;
    }
    await storing;
    await parsing.catch((error: unknown) => {
      throw error instanceof HttpError ? error : malformed(error as CsvProblem);
    });
    if (fatal) throw malformed(fatal);
    if (!fields)
      throw unprocessable('the file has no header row', [
        { message: 'the first line must name the columns, one of them the email' },
      ]);
    summary.received += skipped.length;
    fail(skipped);
    await flush();
    await storing;
  });
  summary.errors.sort((a, b) => a.row - b.row);

  // After the commit, so every workflow finds its lead. A failure here (Temporal away) is a
  // 503: the leads are saved, and the same file sent again starts what is missing.
  const pending = ids.values();
  let failed = false;
  const lane = async () => {
    for (let next = pending.next(); next.done !== true && !failed; next = pending.next()) {
      try {
        if ((await ensureLifecycleStarted(options.temporal, options.taskQueue, { id: next.value })).started)
          summary.workflowsStarted++;
      } catch (error) {
        // The answer is already this error; the other lanes stop instead of running on after it.
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.startConcurrency ?? 32 }, lane));
  return summary;
}

/** The rows whose cadence exists (named, or the default for a lead that is new); the others fail. */
async function withCadences(
  db: pg.PoolClient,
  batch: { row: number; lead: LeadInput }[],
  cadenceExists: (key: string) => Promise<boolean>,
  fail: (errors: RowError[]) => void,
): Promise<{ row: number; lead: LeadInput }[]> {
  const kept: { row: number; lead: LeadInput }[] = [];
  const unnamed: { row: number; lead: LeadInput }[] = [];
  for (const item of batch) {
    const key = item.lead.cadence;
    if (key === undefined) unnamed.push(item);
    else if (await cadenceExists(key)) kept.push(item);
    else fail([{ row: item.row, field: 'cadence', reason: missingCadence(key) }]);
  }
  if (unnamed.length > 0 && !(await cadenceExists(DEFAULT_CADENCE))) {
    // Only a new lead needs the default cadence; an existing one keeps its own.
    const existing = await existingEmails(
      db,
      unnamed.map((item) => item.lead.email),
    );
    for (const item of unnamed) {
      if (existing.has(item.lead.email.toLowerCase())) kept.push(item);
      else fail([{ row: item.row, field: 'cadence', reason: missingCadence(DEFAULT_CADENCE) }]);
    }
  } else {
    kept.push(...unnamed);
  }
  return kept.sort((a, b) => a.row - b.row);
}

/**
 * One item per address (lower-cased), for one statement cannot touch a row twice: later rows
 * override the fields they give, as separate requests in file order would.
 */
function mergeByEmail(
  rows: readonly { row: number; lead: LeadInput }[],
): Map<string, { item: LeadBatchItem; rows: number }> {
  const merged = new Map<string, { item: LeadBatchItem; rows: number }>();
  for (const { lead } of rows) {
    const { email, cadence, ...profile } = lead;
    const key = email.toLowerCase();
    const earlier = merged.get(key);
    const given = Object.fromEntries(
      Object.entries({ ...profile, cadenceKey: cadence }).filter(([, value]) => value !== undefined),
    );
    // The address keeps its first spelling, as an update by a later request would.
    merged.set(key, {
      item: { email: earlier?.item.email ?? email, profile: { ...earlier?.item.profile, ...given } },
      rows: (earlier?.rows ?? 0) + 1,
    });
  }
  return merged;
}
