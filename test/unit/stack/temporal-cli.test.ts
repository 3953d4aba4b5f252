import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/env.ts';
import { cachedCliPath, resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../../../stack/temporal-cli.ts';

let root: string;
let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};

/** Writes a fake `temporal` shell script at `file` with the given mode. */
async function fakeCli(file: string, mode = 0o755): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\necho "temporal version 0.0.0-fake"\n');
  await chmod(file, mode);
  return file;
}

/** A project directory whose cache already holds a fake CLI, so resolution can never reach Go. */
async function projectWithCachedCli(): Promise<string> {
  const projectDir = path.join(root, 'project');
  await fakeCli(cachedCliPath(projectDir));
  return projectDir;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lle-temporal-cli-'));
  logged = [];
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('cachedCliPath', () => {
  it('keeps the CLI under .tools in the project, named by its version', () => {
    expect(cachedCliPath('/repo')).toBe(
      path.join('/repo', '.tools', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'),
    );
  });
});

describe('resolveTemporalCli', () => {
  it('uses an executable TEMPORAL_CLI_PATH first, even with a CLI on PATH and in the cache', async () => {
    const projectDir = await projectWithCachedCli();
    const onPath = path.join(root, 'bin');
    await fakeCli(path.join(onPath, 'temporal'));
    const explicit = await fakeCli(path.join(root, 'custom', 'my-temporal'));
    const cli = await resolveTemporalCli({ explicitPath: explicit, projectDir, log, pathEnv: onPath });
    expect(cli).toEqual({ kind: 'binary', path: explicit, source: 'TEMPORAL_CLI_PATH' });
  });

  it('throws a ConfigError for TEMPORAL_CLI_PATH when that file is not executable', async () => {
    const projectDir = await projectWithCachedCli();
    const notExecutable = await fakeCli(path.join(root, 'custom', 'temporal'), 0o644);
    const attempt = resolveTemporalCli({ explicitPath: notExecutable, projectDir, log, pathEnv: '' });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({ variable: 'TEMPORAL_CLI_PATH' });
    await expect(attempt).rejects.toThrow(notExecutable);
  });

  it('throws a ConfigError for TEMPORAL_CLI_PATH when that file does not exist, instead of falling back', async () => {
    const projectDir = await projectWithCachedCli();
    const attempt = resolveTemporalCli({
      explicitPath: path.join(root, 'missing', 'temporal'),
      projectDir,
      log,
      pathEnv: '',
    });
    await expect(attempt).rejects.toMatchObject({ name: 'ConfigError', variable: 'TEMPORAL_CLI_PATH' });
  });

  it('throws a ConfigError when TEMPORAL_CLI_PATH names a directory', async () => {
    const projectDir = await projectWithCachedCli();
    const directory = path.join(root, 'a-directory');
    await mkdir(directory);
    await expect(resolveTemporalCli({ explicitPath: directory, projectDir, log, pathEnv: '' })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it('uses temporal on PATH before the cached build', async () => {
    const projectDir = await projectWithCachedCli();
    const bin = path.join(root, 'bin');
    const onPath = await fakeCli(path.join(bin, 'temporal'));
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv: bin });
    expect(cli).toEqual({ kind: 'binary', path: onPath, source: 'PATH' });
  });

  it('takes the first PATH directory that holds an executable temporal', async () => {
    const projectDir = await projectWithCachedCli();
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const first = await fakeCli(path.join(root, 'first', 'temporal'));
    await fakeCli(path.join(root, 'second', 'temporal'));
    const pathEnv = [empty, path.join(root, 'first'), path.join(root, 'second')].join(path.delimiter);
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv });
    expect(cli).toEqual({ kind: 'binary', path: first, source: 'PATH' });
  });

  it('skips a temporal on PATH that is not executable', async () => {
    const projectDir = await projectWithCachedCli();
    await fakeCli(path.join(root, 'plain', 'temporal'), 0o644);
    const later = await fakeCli(path.join(root, 'later', 'temporal'));
    const pathEnv = [path.join(root, 'plain'), path.join(root, 'later')].join(path.delimiter);
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv });
    expect(cli).toEqual({ kind: 'binary', path: later, source: 'PATH' });
  });

  it('ignores empty and missing PATH entries', async () => {
    const projectDir = await projectWithCachedCli();
    const bin = path.join(root, 'bin');
    const onPath = await fakeCli(path.join(bin, 'temporal'));
    const pathEnv = ['', path.join(root, 'does-not-exist'), '', bin, ''].join(path.delimiter);
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv });
    expect(cli).toEqual({ kind: 'binary', path: onPath, source: 'PATH' });
  });

  it('uses the cached build when PATH has no temporal', async () => {
    const projectDir = await projectWithCachedCli();
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv: empty });
    expect(cli).toEqual({ kind: 'binary', path: cachedCliPath(projectDir), source: 'cache' });
  });

  it('uses the cached build when PATH is empty', async () => {
    const projectDir = await projectWithCachedCli();
    const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv: '' });
    expect(cli).toEqual({ kind: 'binary', path: cachedCliPath(projectDir), source: 'cache' });
  });

  it('logs nothing when it finds an existing CLI', async () => {
    const projectDir = await projectWithCachedCli();
    await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv: '' });
    expect(logged).toEqual([]);
  });
});
