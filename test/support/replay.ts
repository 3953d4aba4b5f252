import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { stack } from './services.ts';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
const HistoryMessage = temporal.api.history.v1.History;
// protobufjs's own object form, through the same protobufjs the SDK decodes with (the
// SDK's historyToJSON goes through a second copy that rejects these messages).
const TO_OBJECT = { longs: String, enums: String, bytes: String, defaults: false } as const;

/** Where recorded lifecycle histories are kept, one JSON file a lead. */
export const HISTORIES_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'replay', 'histories');

/** Replays histories against the current workflow code; answers the failures, by workflow id. */
export async function replay(histories: { workflowId: string; history: History }[]): Promise<{ workflowId: string; error: string }[]> {
  const failures: { workflowId: string; error: string }[] = [];
  const results = Worker.runReplayHistories({ workflowBundle: { code: stack().workflowBundleCode } }, histories);
  for await (const result of results) {
    if (result.error) failures.push({ workflowId: result.workflowId, error: String(result.error) });
  }
  return failures;
}

/** Fetches the histories of these workflows as they stand now. */
export async function fetchHistories(client: Client, workflowIds: Map<string, string>): Promise<{ name: string; workflowId: string; history: History }[]> {
  return Promise.all([...workflowIds].map(async ([name, workflowId]) => ({ name, workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() })));
}

/** Writes histories as JSON fixtures, replacing those of the same name. */
export async function recordHistories(histories: { name: string; history: History }[]): Promise<void> {
  await mkdir(HISTORIES_DIR, { recursive: true });
  for (const { name, history } of histories) await writeFile(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(HistoryMessage.toObject(HistoryMessage.fromObject(history), TO_OBJECT))}\n`);
}

/** The recorded fixtures. */
export async function loadRecordedHistories(): Promise<{ workflowId: string; history: History }[]> {
  const files = (await readdir(HISTORIES_DIR).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: HistoryMessage.fromObject(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as Record<string, unknown>) })));
}
