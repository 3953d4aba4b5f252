import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowBundleSource } from './create-worker.ts';
import { quietBundlerLogger } from './logger.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The workflow bundle, built by webpack in a child process. Bundling in the worker's own
 * process left its heap (webpack's module graph, the source maps) in the worker's resident
 * set for its whole life, about 200 MB of a worker that otherwise idles near 200 MB; a
 * child gives it back to the system when it exits. The code comes back through a file.
 */
export async function buildWorkflowBundleInChild(): Promise<{ code: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lead-lifecycle-bundle-'));
  try {
    const out = path.join(dir, 'workflows.js');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', THIS_FILE, out], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: await readFile(out, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Run as a script (by buildWorkflowBundleInChild): bundle, write the code to the path given.
if (process.argv[1] === THIS_FILE) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: build-workflow-bundle.ts <output file>');
  const { code } = await bundleWorkflowCode({
    ...workflowBundleSource(),
    logger: quietBundlerLogger(new DefaultLogger('WARN')),
  });
  await writeFile(out, code);
}
