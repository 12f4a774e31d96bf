import { createInterface } from 'node:readline/promises';
import { clientsFor, detectPublicIpOnline, readLocalClock } from './context.ts';
import { runCli } from './program.ts';
import { createUi } from './ui.ts';

/** The `stackdrop` command: real streams, real clients, the network only where a command needs it. */
async function main(): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompt = interactive
    ? async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : undefined;
  // Ctrl-C during a watch ends the watch with a word on how to resume (the work in AWS carries on);
  // at any other moment, or a second time, it exits at once as usual.
  const controller = new AbortController();
  let watching = false;
  process.on('SIGINT', () => {
    if (watching && !controller.signal.aborted) controller.abort();
    else process.exit(130);
  });
  return runCli(process.argv.slice(2), {
    interrupt: {
      signal: controller.signal,
      watching: (on) => {
        watching = on;
      },
    },
    ui: createUi(process.stdout, process.stderr, process.env),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    clientsFor,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    detectPublicIp: detectPublicIpOnline,
    localClock: readLocalClock,
    ...(prompt ? { prompt } : {}),
    readStdin: async () => {
      if (process.stdin.isTTY) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    pollIntervalMs: Number(process.env.STACKDROP_POLL_MS ?? 5000),
  });
}

process.exitCode = await main();
