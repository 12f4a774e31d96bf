import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientsFor, readLocalClock } from '#cli/context.ts';
import { runCli } from '#cli/program.ts';
import { createUi, type Style } from '#cli/ui.ts';

/**
 * The end of `npm start`: a short tour of the day-2 commands (`logs`, `run`, `metrics`), run
 * in-process with the real `stackdrop` command against the demo's local cloud.
 */
export async function operateTour(
  endpoint: string,
  project: string,
  c: Style,
  write: (text: string) => void,
): Promise<boolean> {
  const stackdrop = async (...args: string[]) => {
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) => ({
      write: (s: string) => {
        append(s);
        return true;
      },
      isTTY: false,
    });
    const stdout = sink((s) => {
      out += s;
    });
    const stderr = sink((s) => {
      err += s;
    });
    const env = { STACKDROP_ENDPOINT: endpoint };
    const code = await runCli(['--local', ...args], {
      ui: createUi(stdout, stderr, env),
      env,
      stdout,
      clientsFor,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
      detectPublicIp: async () => '127.0.0.1',
      localClock: readLocalClock,
      cwd: mkdtempSync(join(tmpdir(), 'stackdrop-demo-')),
      pollIntervalMs: 1000,
    });
    return { code, lines: out.trimEnd().split('\n'), err: err.trim() };
  };
  const show = (lines: string[]) => {
    for (const line of lines) write(`   ${c.dim(line)}`);
  };

  write(`   ${c.bold(`$ stackdrop logs ${project} --since 2m`)}`);
  const logs = await stackdrop('logs', project, '--since', '2m');
  show(logs.lines.slice(-6));
  write(`   ${c.bold(`$ stackdrop run ${project} -- php artisan migrate:status`)}`);
  const run = await stackdrop('run', project, '--', 'php', 'artisan', 'migrate:status');
  show(run.lines);
  write(`   ${c.bold(`$ stackdrop metrics ${project} --since 1h`)}`);
  const metrics = await stackdrop('metrics', project, '--since', '1h');
  show(metrics.lines.slice(0, 8));
  write(`   ${c.dim(`… (${metrics.lines.length - 8} more series) — also: stackdrop secrets, scale, exec`)}`);
  const ok = logs.code === 0 && run.code === 0 && metrics.code === 0;
  if (!ok)
    write(c.red(`   a command failed: ${[logs.err, run.err, metrics.err].filter(Boolean).join(' | ')}`));
  return ok;
}
