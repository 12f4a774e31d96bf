import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A Python program that runs AWS CLI commands through the CLI's own driver (the same code path as
 * the `aws` script): a fresh driver per command, as `aws` would make, sharing the loaded service
 * models. It stays up for the whole test file: each stdin line is `{ env, commands }` (the
 * process environment the commands see, a list of argument lists); each answer line is a JSON
 * list of `{ rc, stdout, stderr }`. It prints `ready` once awscli is imported.
 */
const SERVER = `
import contextlib, io, json, os, sys
before = dict(os.environ)
from awscli.clidriver import create_clidriver
# What importing awscli sets (AWS_DATA_PATH), as it would in each \`aws\` process.
imported = {k: v for k, v in os.environ.items() if before.get(k) != v}
loader = None
out_stream = sys.stdout
out_stream.write("ready\\n")
out_stream.flush()
for line in sys.stdin:
    request = json.loads(line)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update(imported)
    results = []
    for args in request["commands"]:
        driver = create_clidriver()
        if loader is None:
            loader = driver.session.get_component("data_loader")
        else:
            driver.session.register_component("data_loader", loader)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = driver.main(args)
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 255
        results.append({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()})
    out_stream.write(json.dumps(results) + "\\n")
    out_stream.flush()
`;

/** What one CLI command gave. */
export interface AwsCliRaw {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Bound on one batch: generous, for a loaded machine. */
const BATCH_TIMEOUT_MS = 120_000;

interface Server {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  /** The end of what the server wrote to stderr (a Python traceback when it failed). */
  stderr(): string;
}

/** The running server (one per test file's process), or false where awscli is not importable (CLI v2). */
let server: Promise<Server | false> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function startServer(env: NodeJS.ProcessEnv): Promise<Server | false> {
  const child = spawn('python3', ['-c', SERVER], { env, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
  });
  // The server must not keep the test process alive (stopAwsCli ends it after the file).
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr])
    (stream as unknown as { unref?: () => void }).unref?.();
  process.once('exit', () => child.kill());
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return lines.next().then(
    (first) => (first.done || first.value !== 'ready' ? false : { child, lines, stderr: () => stderr }),
    () => false,
  );
}

/** Ends the file's AWS CLI process, if one runs, and waits for it (test/setup.ts, after each file). */
export async function stopAwsCli(): Promise<void> {
  const s = await server;
  server = undefined;
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.stdin.end();
  const timer = setTimeout(() => s.child.kill(), 10_000);
  await exited;
  clearTimeout(timer);
}

async function viaServer(s: Server, commands: string[][], env: NodeJS.ProcessEnv): Promise<AwsCliRaw[]> {
  s.child.stdin.write(`${JSON.stringify({ env, commands })}\n`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`AWS CLI batch took over ${BATCH_TIMEOUT_MS} ms`)),
      BATCH_TIMEOUT_MS,
    );
  });
  try {
    const line = await Promise.race([s.lines.next(), timeout]);
    if (line.done) throw new Error(`the AWS CLI server ended: ${s.stderr()}`);
    return JSON.parse(line.value) as AwsCliRaw[];
  } catch (error) {
    // A lost or stuck server is replaced on the next batch.
    s.child.kill();
    server = undefined;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function viaScript(commands: string[][], env: NodeJS.ProcessEnv): Promise<AwsCliRaw[]> {
  const results: AwsCliRaw[] = [];
  for (const args of commands) {
    results.push(
      await exec('aws', args, { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }).then(
        ({ stdout, stderr }) => ({ rc: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          rc: e.code,
          stdout: e.stdout,
          stderr: e.stderr,
        }),
      ),
    );
  }
  return results;
}

/**
 * Runs AWS CLI v1 commands in order, each with exactly `env` as its environment, through one
 * Python process kept for the whole test file (a Python start-up costs about a second of CPU);
 * one `aws` process per command where awscli is not importable. Batches run one at a time.
 */
export function runAwsCli(commands: string[][], env: NodeJS.ProcessEnv): Promise<AwsCliRaw[]> {
  const run = queue.then(async () => {
    server ??= startServer(env);
    const s = await server;
    return s ? viaServer(s, commands, env) : viaScript(commands, env);
  });
  queue = run.catch(() => undefined);
  return run;
}
