import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { ActivityDependencies } from '../activities/dependencies.ts';
import type { TemporalConnectionSettings } from '../config/temporal-connection.ts';
import { leadLogAttributes } from './lead-log-attributes.ts';
import { workflowPreloads } from './workflow-preloads.ts';

/** The workflow bundle's entry file. */
export const WORKFLOWS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'workflows', 'index.ts');

/** What every build of the workflow bundle is given: the entry, and the modules preloaded once (see workflow-preloads.ts). */
export const workflowBundleSource = (): { workflowsPath: string; preloadModules: string[] } => ({
  workflowsPath: WORKFLOWS_PATH,
  preloadModules: workflowPreloads(WORKFLOWS_PATH),
});

/** The same source as {@link workflowBundleSource}, as `Worker.create` takes it when it bundles itself. */
function bundledFromSource(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  const { workflowsPath, preloadModules } = workflowBundleSource();
  return { workflowsPath, bundlerOptions: { preloadModules } };
}

/** Where and how a worker polls. */
export interface WorkerSettings {
  connection: TemporalConnectionSettings;
  namespace: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests build one per run); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** What decides the worker's memory; the defaults of {@link workerTuning} otherwise. */
  tuning?: WorkerTuning;
}

/** The worker options that decide its memory (see docs/operations.md, "Sizing workers"). */
export type WorkerTuning = Pick<WorkerOptions, 'maxCachedWorkflows'>;

/**
 * The sticky cache's size. A lead waits on a timer for weeks, so a cached workflow is
 * almost never reused before it would be evicted anyway; the SDK's default (about 2,300
 * workflows with Node's 4 GiB heap limit) keeps that many workflows alive for nothing, and
 * the workflow thread's V8 heap grows with what it holds and the garbage it lets build up
 * beside it (`npm run bench -- memory`: 817 MiB with 250 cached and 2,135 leads waiting, 459
 * MiB with 50 and 2,028, under load). 50 stays above the 40 workflow tasks the SDK runs at
 * once. When a timer fires for an evicted lead, the worker replays its history (about 385
 * events after a year on the default cadence), some 40 ms more CPU than a cached touch, once
 * a month; a burst of touches larger than the cache replays either way.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 50;

/** The tuning a worker runs with: the given values over the defaults. */
export const workerTuning = (tuning: WorkerTuning = {}): Required<WorkerTuning> => ({
  maxCachedWorkflows: tuning.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
});

/**
 * The composition root of a worker: one connection, every activity bound to its
 * dependencies, and the workflow bundle.
 */
export async function createWorker(
  settings: WorkerSettings,
  deps: ActivityDependencies,
): Promise<{ worker: Worker; connection: NativeConnection; tuning: Required<WorkerTuning> }> {
  const connection = await NativeConnection.connect(settings.connection);
  const tuning = workerTuning(settings.tuning);
  try {
    const worker = await Worker.create({
      ...tuning,
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      activities: createActivities(deps),
      interceptors: { activity: [leadLogAttributes] },
      ...(settings.workflowBundle ? { workflowBundle: settings.workflowBundle } : bundledFromSource()),
    });
    return { worker, connection, tuning };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
