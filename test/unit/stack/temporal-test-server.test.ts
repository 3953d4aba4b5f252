import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTestServerReady, testServerFiles, wrapperScript } from '../../../stack/temporal-test-server.ts';
import { stack } from '../../support/services.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A resolved test server in a temporary directory whose classpath names `jars`. */
async function resolvedWith(jars: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lle-tts-'));
  dirs.push(dir);
  const files = testServerFiles(dir);
  await writeFile(files.classpath, jars.join(path.delimiter));
  await writeFile(files.wrapper, wrapperScript(jars.join(path.delimiter)), { mode: 0o755 });
  return dir;
}

describe('the time-skipping test server resolver', () => {
  it('writes a wrapper that runs the test server class with the arguments the SDK passes (the port)', () => {
    const script = wrapperScript('/m2/a.jar:/m2/b.jar');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`exec java -cp '/m2/a.jar:/m2/b.jar' io.temporal.testserver.TestServer "$@"`);
  });

  it('counts a resolved classpath as ready only while every jar it names is still there', async () => {
    const jar = path.join(await resolvedWith([]), 'present.jar');
    await writeFile(jar, '');
    expect(await isTestServerReady(await resolvedWith([jar]))).toBe(true);
    expect(await isTestServerReady(await resolvedWith([jar, `${jar}.gone`]))).toBe(false);
    expect(await isTestServerReady(await resolvedWith([]))).toBe(false);
  });

  it('was provided to the tests by the prerequisites, resolved from Maven', async () => {
    const wrapper = stack().temporalTestServerPath!;
    expect(await isTestServerReady(path.dirname(wrapper))).toBe(true);
  });
});
