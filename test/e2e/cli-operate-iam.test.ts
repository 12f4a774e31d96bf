import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK, readLocalClock } from '#cli/context.ts';
import { operatorPolicy } from '#cli/operator-policy.ts';
import { type EvaluatedRequest, installRequestIdentity, type NamedPolicy, runAs } from '#local/iam/index.ts';
import { harness, type Run } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

/**
 * IAM for the day-2 commands: every one of them, run as a role holding only cli/operator-policy.ts
 * (the operator's least-privilege policy, docs/cli.md "Permissions") on a local cloud with IAM
 * enforcement on, then statement by statement: without it, a call the commands made is denied.
 * One project, deployed once, with ECS Exec on.
 */

let world: E2eWorld;

function cli(stdin?: string) {
  return harness(
    {
      readStdin: async () => stdin,
      localClock: readLocalClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 15))),
    },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
}

const stackdrop = (...args: string[]): Promise<Run> => cli().run('--local', ...args);
const piped = (stdin: string, ...args: string[]): Promise<Run> => cli(stdin).run('--local', ...args);

beforeAll(async () => {
  world = await startWorld();
  const doc = await provision(world, 'shop', manifestFor('shop', [[/^app:$/m, 'app:\n  exec: true']]));
  if (doc.phase !== 'ready') throw new Error(`shop did not provision: ${JSON.stringify(doc.error)}`);
  const { doc: deployed } = await pushAndWait(world, 'shop', 'v1');
  if (deployed.deploys.at(-1)?.outcome !== 'succeeded') throw new Error('the deploy of v1 failed');
  await world.sd.cloud.clock.advance(5 * 60_000);
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

describe('IAM: every day-2 command as a role holding only the documented operator policy', () => {
  const roleArn = () => `arn:aws:iam::${world.sd.cloud.accountId}:role/stackdrop-operator`;
  let policy: NamedPolicy;
  let recorded: EvaluatedRequest[] = [];

  /** Runs the CLI signed as the operator role's session: the local cloud evaluates every call. */
  const asOperator = (...args: string[]) => {
    const session = world.sd.cloud.iam.sessionFor(roleArn(), 'operator');
    return runAs(session, () => stackdrop(...args));
  };
  const asOperatorPiped = (stdin: string, ...args: string[]) => {
    const session = world.sd.cloud.iam.sessionFor(roleArn(), 'operator');
    return runAs(session, () => piped(stdin, ...args));
  };

  beforeAll(() => {
    installRequestIdentity();
    const { cloud } = world.sd;
    policy = {
      name: 'stackdrop-operate',
      document: operatorPolicy({
        region: cloud.region,
        accountId: cloud.accountId,
        bucket: world.session.bucket,
        stackName: DEFAULT_STACK,
      }) as unknown as NamedPolicy['document'],
    };
    cloud.iam.roles.put({
      arn: roleArn(),
      name: 'stackdrop-operator',
      policies: [policy],
      source: 'test operator',
    });
  });

  afterAll(() => {
    world.sd.cloud.iam.recording = undefined;
  });

  it('runs logs, run, exec, secrets, scale and metrics with IAM enforced, every call evaluated', async () => {
    const { cloud } = world.sd;
    expect(cloud.iam.enforce).toBe(true);
    cloud.iam.recording = [];

    const results = {
      logs: await asOperator('logs', 'shop', '--since', '10m', '--json'),
      missing: await asOperator('logs', 'nosuch'),
      run: await asOperator('run', 'shop', '--', 'php', 'artisan', 'migrate:status'),
      exec: await asOperator('exec', 'shop', '--json'),
      set: await asOperatorPiped('v3', 'secrets', 'set', 'shop', 'OPERATOR_TOKEN', '--roll'),
      list: await asOperator('secrets', 'list', 'shop', '--json'),
      remove: await asOperator('secrets', 'remove', 'shop', 'OPERATOR_TOKEN', '--force'),
      scale: await asOperator('scale', 'shop', 'web=3', 'worker:default=1', '--min', '2', '--max', '12'),
      metrics: await asOperator('metrics', 'shop', '--since', '30m', '--json'),
    };
    recorded = cloud.iam.recording ?? [];
    cloud.iam.recording = undefined;

    for (const [name, r] of Object.entries(results)) {
      if (name === 'missing') continue;
      expect({ name, code: r.code, stderr: r.stderr }).toMatchObject({ name, code: 0 });
    }
    // An unknown project is still "no status" (404 through s3:ListBucket), not an access error.
    expect(results.missing.code).toBe(1);
    expect(results.missing.stderr).toMatch(/no status for nosuch\/production/);
    const mine = recorded.filter((r) => r.roleArn === roleArn());
    expect(mine.every((r) => r.decision === 'Allowed')).toBe(true);
    expect(new Set(mine.map((r) => r.check.action))).toEqual(
      new Set([
        'cloudformation:DescribeStacks',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'logs:FilterLogEvents',
        'ecs:DescribeServices',
        'ecs:UpdateService',
        'ecs:DescribeTaskDefinition',
        'ecs:RunTask',
        'ecs:TagResource',
        'iam:PassRole',
        'ecs:DescribeTasks',
        'ecs:ListTasks',
        'secretsmanager:CreateSecret',
        'secretsmanager:TagResource',
        'secretsmanager:ListSecrets',
        'secretsmanager:DeleteSecret',
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:RegisterScalableTarget',
        'cloudwatch:GetMetricData',
        'cloudwatch:DescribeAlarms',
      ]),
    );
  }, 120_000);

  it('needs every statement: without any one, some call the commands made is denied', async () => {
    const { iam } = world.sd.cloud;
    const mine = recorded.filter((r) => r.roleArn === roleArn());
    // Calls only AWS can show: Live Tail (the local cloud polls), the ECS Exec session (the AWS CLI
    // makes it), a secret under a customer-managed key (shop has none).
    const notCalledOffline = new Set([
      'LiveTailAppLogs',
      'FindLogGroupsForLiveTail',
      'ExecIntoTasks',
      'EncryptSecretsWithProjectKeys',
    ]);
    const statements = policy.document.Statement as Array<{ Sid: string }>;
    const needless: string[] = [];
    for (const [index, statement] of statements.entries()) {
      if (notCalledOffline.has(statement.Sid)) continue;
      const without: NamedPolicy = {
        ...policy,
        document: { ...policy.document, Statement: statements.filter((_, i) => i !== index) as never },
      };
      let denied = false;
      for (const r of mine.filter((x) => x.allowedBy.some((id) => id.includes(`(${statement.Sid})`)))) {
        if ((await iam.evaluate(roleArn(), r.principal, r.check, [without])).decision !== 'Allowed') {
          denied = true;
          break;
        }
      }
      if (!denied) needless.push(statement.Sid);
    }
    expect(needless).toEqual([]);
    expect(mine.length).toBeGreaterThan(30);
  });

  it('a role without the metrics statements gets access denied, exit 1, naming the action', async () => {
    const { iam } = world.sd.cloud;
    const statements = policy.document.Statement as Array<{ Sid: string }>;
    iam.roles.put({
      arn: roleArn(),
      name: 'stackdrop-operator',
      policies: [
        {
          ...policy,
          document: {
            ...policy.document,
            Statement: statements.filter((s) => s.Sid !== 'ReadMetrics') as never,
          },
        },
      ],
      source: 'test operator',
    });
    try {
      const result = await asOperator('metrics', 'shop');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not authorized to perform: cloudwatch:GetMetricData/);
    } finally {
      iam.roles.put({
        arn: roleArn(),
        name: 'stackdrop-operator',
        policies: [policy],
        source: 'test operator',
      });
    }
  });
});
