import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('fixtures/isolation.ts', import.meta.url));

describe('functions sharing a process in the local runtime', () => {
  it('give each function its own logger: its own service name and persistent keys', async () => {
    // Act: outside vitest, which loads modules itself, so the runtime's own module hooks apply.
    const { stdout } = await run(process.execPath, [script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    });

    // Assess
    const logs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { service: string; message: string; project?: string });
    expect(logs.map(({ service, message, project }) => ({ service, message, project }))).toEqual([
      { service: 'first', message: 'hello', project: 'alpha' },
      { service: 'second', message: 'hello', project: undefined },
    ]);
  });
});
