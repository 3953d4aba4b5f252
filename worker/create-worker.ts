import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { ActivityDependencies } from '../activities/dependencies.ts';
import type { TemporalConnectionSettings } from '../config/temporal-connection.ts';
import { leadLogAttributes } from './lead-log-attributes.ts';

/** The workflow bundle's entry file. */
export const WORKFLOWS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'workflows', 'index.ts');

/** Where and how a worker polls. */
export interface WorkerSettings {
  connection: TemporalConnectionSettings;
  namespace: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests build one per run); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The composition root of a worker: one connection, every activity bound to its
 * dependencies, and the workflow bundle.
 */
export async function createWorker(settings: WorkerSettings, deps: ActivityDependencies): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(settings.connection);
  try {
    const worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      activities: createActivities(deps),
      interceptors: { activity: [leadLogAttributes] },
      ...(settings.workflowBundle ? { workflowBundle: settings.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    });
    return { worker, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
