import { describe, expect, it } from 'vitest';
import { runDemo } from '#local/demo.ts';

/** `[+mm:ss]` → seconds. */
const seconds = (stamp: string) => {
  const [m, s] = stamp.split(':').map(Number);
  return m! * 60 + s!;
};

describe('the demo (npm start)', () => {
  it('prints provisioning progress at the time of each event, in order, phase ready last', async () => {
    // Act
    const lines: string[] = [];
    const summary = await runDemo({ write: (text) => lines.push(text), color: false });

    // Assess
    expect(summary.ok).toBe(true);
    expect(lines.join('\n').includes('\u001b[')).toBe(false);
    // The outputs show the cache endpoint and the created key, which the demo turns on.
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {3}Cache +acme-production-\w+\.serverless\.\w+\.cache\.amazonaws\.com:6379 /),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {3}KMS key +arn:aws:kms:eu-west-1:\d{12}:key\/\S+ \(Enabled/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/pushed sha256:\w+… \(image index: linux\/amd64\)/));
    const progress = lines
      .slice(
        lines.findIndex((l) => l.startsWith('2. ')),
        lines.findIndex((l) => l.startsWith('3. ')),
      )
      .map((l) => /^ {3}\[\+(\d+:\d\d)\] (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ at: seconds(m[1]!), text: m[2]! }));
    const times = progress.map((p) => p.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(progress.at(-1)?.text).toBe('phase ready');
    const summaryEnd = (stage: string) => {
      const row = lines.find((l) => new RegExp(`^ {3}${stage} +\\d`).test(l))!;
      return seconds(/→ (\d+:\d\d)/.exec(row)![1]!);
    };
    for (const stage of ['network', 'database', 'edge', 'app']) {
      const complete = progress.find((p) => p.text.startsWith(`${stage} `) && /CREATE_COMPLETE/.test(p.text));
      expect({ stage, at: complete?.at }).toEqual({ stage, at: summaryEnd(stage) });
    }
    // Ready once the last stack is complete: the database (its Aurora instances), not the app. The
    // status is recorded by the functions that follow the stack's last event, which take virtual
    // seconds of their own on a loaded machine (the idle clock moves while they run): a few at most.
    const lastStack = Math.max(...['network', 'database', 'edge', 'app'].map(summaryEnd));
    expect(progress.at(-1)!.at).toBeGreaterThanOrEqual(lastStack);
    expect(progress.at(-1)!.at).toBeLessThanOrEqual(lastStack + 5);
    // The day-2 tour at the end: logs with service and task, migrate:status's table, the sparklines.
    const tour = lines.slice(lines.findIndex((l) => /\$ stackdrop logs \S+ --since 2m/.test(l)));
    const linesAfter = (command: RegExp) => tour.slice(tour.findIndex((l) => command.test(l)) + 1);
    expect(linesAfter(/\$ stackdrop logs /)[0]).toMatch(
      /^ {3}\S+Z (web|worker:\S+|scheduler|release) +[0-9a-f]{12} {2}/,
    );
    expect(
      linesAfter(/\$ stackdrop run \S+ -- php artisan migrate:status/)
        .slice(0, 4)
        .join('\n'),
    ).toMatch(/create_\w+_table \.+ \[1\] Ran/);
    expect(linesAfter(/\$ stackdrop metrics /).join('\n')).toMatch(/^ {3}requests +[▁▂▃▄▅▆▇█ ]{40} +\d+/m);
  });
});
