import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/**
 * Where recorded histories are kept: one JSON file a workflow. The files directly in it
 * came from the lifecycle tests before releases were labelled; each sub-folder holds the
 * histories recorded from one released version (`v<version>-<commit>`), never rewritten
 * by a later version, so replaying them catches a change that is not deterministic for
 * workflows that version left running.
 */
export const HISTORIES_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'replay', 'histories');

/** Whether this run records the histories it makes (`RECORD_HISTORIES=1`). */
export const recording = (): boolean => process.env.RECORD_HISTORIES === '1';

/**
 * The sub-folder this run records into: `RECORD_HISTORIES_RELEASE`, or
 * `v<package version>-<short commit>` of the working tree.
 */
export function releaseLabel(): string {
  if (process.env.RECORD_HISTORIES_RELEASE) return process.env.RECORD_HISTORIES_RELEASE;
  const projectDir = path.resolve(HISTORIES_DIR, '..', '..', '..');
  const commit = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: projectDir, encoding: 'utf8' }).trim();
  const { version } = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { version: string };
  return `v${version}-${commit}`;
}

type HistoryEvent = NonNullable<History['events']>[number];

/** The attributes an event carries (each event has one `…EventAttributes` field set). */
function attributesOf(event: HistoryEvent): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(event))
    if (key.endsWith('EventAttributes') && typeof value === 'object' && value !== null)
      return value as Record<string, unknown>;
  return undefined;
}

/**
 * The history up to its last completed workflow task: the `WorkflowTaskCompleted` event
 * and the events of the commands that task made (they name it as their
 * `workflowTaskCompletedEventId`). A running workflow's history may end inside a task
 * (scheduled or started, not completed yet, with signals or timer firings before it):
 * replaying that task would run new workflow code for real, asking the replay worker for
 * local activities it does not have ("Local activity … not registered"). Every completed
 * task is kept, so the replay still checks each command the code made against the
 * history. A history without a completed task is returned as it is.
 */
export function trimToLastCompletedTask(history: History): History {
  const events = history.events ?? [];
  let last = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.workflowTaskCompletedEventAttributes) {
      last = i;
      break;
    }
  }
  if (last < 0) return history;
  const completedId = String(events[last]!.eventId);
  let end = last + 1;
  while (end < events.length && String(attributesOf(events[end]!)?.workflowTaskCompletedEventId) === completedId) end++;
  if (end === events.length) return history;
  return HistoryMessage.create({ ...history, events: events.slice(0, end) });
}

/** Replays histories against the current workflow code; answers the failures, by workflow id. */
export async function replay(
  histories: { workflowId: string; history: History }[],
): Promise<{ workflowId: string; error: string }[]> {
  const failures: { workflowId: string; error: string }[] = [];
  const results = Worker.runReplayHistories(
    { workflowBundle: { code: stack().workflowBundleCode } },
    histories.map(({ workflowId, history }) => ({ workflowId, history: trimToLastCompletedTask(history) })),
  );
  for await (const result of results) {
    if (result.error) failures.push({ workflowId: result.workflowId, error: String(result.error) });
  }
  return failures;
}

/** Fetches the histories of these workflows as they stand now. */
export async function fetchHistories(
  client: Client,
  workflowIds: Map<string, string>,
): Promise<{ name: string; workflowId: string; history: History }[]> {
  return Promise.all(
    [...workflowIds].map(async ([name, workflowId]) => ({
      name,
      workflowId,
      history: await client.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
}

/** Writes histories as JSON fixtures into `dir` (the top folder by default), replacing those of the same name. */
export async function recordHistories(
  histories: { name: string; history: History }[],
  dir = HISTORIES_DIR,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const { name, history } of histories)
    await writeFile(
      path.join(dir, `${name}.json`),
      `${JSON.stringify(HistoryMessage.toObject(HistoryMessage.fromObject(history), TO_OBJECT))}\n`,
    );
}

/**
 * Replays the history `workflowId` has now against the code that made it (answers the
 * failures), and with `RECORD_HISTORIES=1` keeps it as `<release>/<name>.json`.
 */
export async function keepHistory(
  client: Client,
  name: string,
  workflowId: string,
): Promise<{ workflowId: string; error: string }[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  if (recording()) await recordHistories([{ name, history }], path.join(HISTORIES_DIR, releaseLabel()));
  return replay([{ workflowId, history }]);
}

/** Every recorded fixture, top folder and release folders, named by its path under {@link HISTORIES_DIR}. */
export async function loadRecordedHistories(): Promise<{ workflowId: string; history: History }[]> {
  const files = (await readdir(HISTORIES_DIR, { recursive: true }).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json'))
    .sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: HistoryMessage.fromObject(
        JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as Record<string, unknown>,
      ),
    })),
  );
}
