import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeardown } from '#cli/commands/destroy.ts';
import {
  actionsOf,
  type EvaluatedRequest,
  type NamedPolicy,
  type RoleRecord,
  statementId,
  statementsOf,
} from '#local/iam/index.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

/**
 * IAM enforcement can fail: every statement of every stackdrop role is needed by some call the
 * end-to-end stories make. The stories run once with enforcement on while every evaluation is
 * recorded; then, per statement, the recorded requests of its role are evaluated again against
 * the role's policies without that statement, and at least one must be denied, naming an action
 * of the statement. Sampled real mutations rerun a story and see it fail with AccessDenied.
 */

/** Managed policies AWS owns (SAM attaches them); their statements are not stackdrop's to trim. */
const AWS_MANAGED = /^arn:aws:iam::aws:policy\//;

/**
 * Roles that make no call the local cloud can observe: the bastion instance role (the SSM agent
 * on the instance, not simulated). The stage templates' task and flow-log roles are assumed by ECS
 * tasks and VPC flow logs, which run no code here; the execution role's secret reads, registry
 * token, image pull and awslogs streams are checked at each ECS task start (local/iam/ecs.ts).
 */
const NOT_OBSERVABLE = new Set(['BastionInstanceRole']);

/**
 * Statements of the CloudFormation service role whose actions neither the local providers call nor
 * the handler's resource-less permissions (local/iam/handler-permissions.ts) need for the stories'
 * resources: AWS's resource handlers need them (their `handlers.*.permissions`, checked against
 * this role by test/unit/sam-template/handler-permissions.test.ts) for calls with resources the
 * local providers do not make. Listed so the gap is visible; each stays in template.yaml because
 * real CloudFormation handlers call it.
 */
const CFN_ROLE_NOT_CALLED_BY_LOCAL_PROVIDERS = new Set([
  'InterfaceEndpointPrivateDns',
  'DatabaseManagedSecret',
  'Certificates',
  'EmptyOnlyStackdropRepositoriesOnDelete',
  'Alarms',
  'ReadLargeTemplates',
  'ServiceLinkedRoles',
  'PassFlowLogRoleToVpcFlowLogs',
  'Dashboards',
  // Edge stage domain, CDN and firewall: the mutation stories' manifest gives its own certificate
  // (no zone), no CDN, no firewall; test/e2e/edge-domain.test.ts provisions them under the role.
  'RequestDomainCertificates',
  'ManageDomainCertificates',
  'DomainRecords',
  'DomainRecordChanges',
  'CreateCdn',
  'ManageCdn',
  'Firewall',
  'FirewallOnLoadBalancer',
  // A log group's key associated or removed by an update (security.kmsKey changed); no story changes it.
  'LogGroupKeys',
]);

/**
 * X-Ray and CloudWatch Logs delivery statements of the state machine roles: Step Functions
 * itself uses them for the Tracing and Logging configuration, not for calls the local cloud
 * sees (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).
 */
const NOT_OBSERVABLE_ACTIONS =
  /^(xray:\S+( |$))+$|^(logs:(\w*LogDelivery|\w*LogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)( |$))+$/;

/**
 * Statements no story reaches yet, each with why it stays. RetrySoon: roll-service shortens the
 * visibility of a message it retries (a stack operation in progress, a transient error); the
 * stories never hit a retry, and a denial there is only logged (shared/rollout/batch.ts).
 */
const NOT_YET_EXERCISED = new Set([
  // route53:ListHostedZonesByName: only a domain without certificateArn and hostedZoneId needs it;
  // test/e2e/edge-domain.test.ts provisions one under enforcement and fails without it. Not in
  // these stories, to keep this file's run short.
  'LoadManifestFunctionRolePolicy0#2',
]);

let world: E2eWorld;
let recorded: EvaluatedRequest[] = [];

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`, 'i');
  return re.test(action);
}

async function runStories(w: E2eWorld): Promise<void> {
  const project = 'mut';
  // Provision (network → database ∥ edge → app), with ssh bastions allowed from one range, a
  // customer-managed KMS key and a cache (their statements are needed only then), and 30 variables
  // of 1 KB: the app template outgrows TemplateBody and travels as a TemplateURL pinned to its
  // version (deploy-stack's s3:GetObjectVersion).
  const variables = Array.from({ length: 30 }, (_, i) => `    SETTING_${i}: "${'v'.repeat(1000)}"`).join(
    '\n',
  );
  const text = `${manifestFor(project, [
    [/bastion:\n {2}access: ssm[^\n]*/, 'bastion:\n  access: ssh\n  allowedCidrs: [203.0.113.0/24]'],
    [/^ {2}environment:\n/m, `  environment:\n${variables}\n`],
  ])}\nsecurity:\n  kmsKey: create\ncache:\n  engine: valkey\n`;
  const ready = await provision(w, project, text);
  expect(ready.phase).toBe('ready');
  // Deploy on push (deploy-router → queue → roll-service). ECS throttles registering past the SDK's
  // and withRetry's attempts (5 × 6, backoff on the virtual clock): roll-service asks for the
  // message back soon (RetrySoon) and the redelivery deploys.
  w.sd.cloud.faults.throttle({ service: 'ecs', operation: 'RegisterTaskDefinition', times: 30 });
  const pushed = await pushAndWait(w, project, 'v1');
  expect(pushed.doc.deploys.at(-1)?.outcome).toBe('succeeded');
  // Bastions: an ssh one closed by hand, an ssm one reaped at expiry, listed in between.
  const ssh = await w.session.invoke<{ instanceId: string }>('OpenBastionFunction', {
    project,
    environment: ENVIRONMENT,
    ttlMinutes: 30,
    access: 'ssh',
    sshPublicKey:
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGs4oT7Ky9n1qz6n7m3bq2p0m8Zq4Yf3tq1yX0u9a0Ab user@host',
    callerCidr: '203.0.113.10/32',
  });
  expect(ssh.error).toBeUndefined();
  const listed = await w.session.invoke('ListBastionsFunction', { project, environment: ENVIRONMENT });
  expect(listed.error).toBeUndefined();
  const closed = await w.session.invoke('CloseBastionFunction', {
    project,
    environment: ENVIRONMENT,
    instanceId: ssh.result!.instanceId,
  });
  expect(closed.error).toBeUndefined();
  const ssm = await w.session.invoke<{ instanceId: string }>('OpenBastionFunction', {
    project,
    environment: ENVIRONMENT,
    ttlMinutes: 30,
    access: 'ssm',
    callerCidr: '203.0.113.11/32',
  });
  expect(ssm.error).toBeUndefined();
  await w.session.waitForStatus(project, ENVIRONMENT, (d) =>
    d.bastions.some((b) => b.instanceId === ssm.result?.instanceId && b.state === 'expired'),
  );
  // A deploy whose web service crashes: rolled back, the stopped task's reason read.
  const ecsCluster = ready.outputs.ClusterName!;
  w.sd.cloud.faults.failDeployment({ service: 'web', cluster: ecsCluster, reason: 'exit 137', times: 1 });
  expect((await pushAndWait(w, project, 'bad')).doc.deploys.at(-1)?.outcome).toBe('failed');
  // A project with two manifest versions dropped back to back (the second waits for its turn),
  // and an image pushed while it provisions (deferred until the app stage is ready).
  const first = await w.session.dropManifest(
    manifestFor('mutdefer'),
    `manifests/mutdefer-${ENVIRONMENT}.yaml`,
  );
  const second = await w.session.dropManifest(
    `${manifestFor('mutdefer')}\n# v2\n`,
    `manifests/mutdefer-${ENVIRONMENT}.yaml`,
  );
  expect(first).not.toBe(second);
  await w.session.waitForStatus('mutdefer', ENVIRONMENT, (d) => d.stacks.edge?.status === 'CREATE_COMPLETE');
  const early = await w.session.pushImage(`mutdefer-${ENVIRONMENT}`, 'main', 'early');
  const deferred = await w.session.waitForStatus(
    'mutdefer',
    ENVIRONMENT,
    (d) =>
      d.manifest?.versionId === second &&
      d.phase === 'ready' &&
      d.deploys.some((x) => x.digest === early && ['succeeded', 'failed'].includes(x.outcome)),
  );
  expect(deferred.deploys.find((x) => x.digest === early)?.outcome).toBe('succeeded');
  // Bastion requests for a project that was never provisioned: refused after reading no status.
  const nobody = await w.session.invoke('ListBastionsFunction', {
    project: 'nobody',
    environment: ENVIRONMENT,
  });
  expect(nobody.error).toBeUndefined();
  const refused = await w.session.invoke('OpenBastionFunction', {
    project: 'nobody',
    environment: ENVIRONMENT,
    ttlMinutes: 30,
    callerCidr: '203.0.113.12/32',
  });
  expect(refused.error).toBeDefined();
  const notOpen = await w.session.invoke('CloseBastionFunction', {
    project: 'nobody',
    environment: ENVIRONMENT,
    instanceId: 'i-0123456789abcdef0',
  });
  expect(JSON.stringify(notOpen)).not.toContain('AccessDenied');
  // An expired bastion of a project with no status document: the reaper still ends it.
  const ghostInstance = () => {
    const out = w.sd.cloud.ec2.runInstances({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't4g.nano',
      SubnetId: ready.outputs.PublicSubnetIds!.split(',')[0],
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'stackdrop:managed', Value: 'true' },
            { Key: 'stackdrop:role', Value: 'bastion' },
            { Key: 'stackdrop:project', Value: 'ghost' },
            { Key: 'stackdrop:environment', Value: ENVIRONMENT },
            { Key: 'stackdrop:expires-at', Value: '2020-01-01T00:00:00Z' },
          ],
        },
      ],
    }) as { Instances?: Array<{ InstanceId?: string }> };
    return out.Instances![0]!.InstanceId!;
  };
  const closedGhost = await w.session.invoke('CloseBastionFunction', {
    project: 'ghost',
    environment: ENVIRONMENT,
    instanceId: ghostInstance(),
  });
  expect(JSON.stringify(closedGhost)).not.toContain('AccessDenied');
  const ghostId = ghostInstance();
  for (let i = 0; i < 30 && w.sd.cloud.ec2.instance(ghostId).state === 'running'; i++)
    await w.sd.cloud.clock.sleep(60_000);
  expect(w.sd.cloud.ec2.instance(ghostId).state).not.toBe('running');
  // A push for a project whose status document is gone.
  w.sd.cloud.s3.deleteObject(w.sd.outputs.BucketName!, `status/mutdefer-${ENVIRONMENT}.json`);
  await w.session.pushImage(`mutdefer-${ENVIRONMENT}`, 'main', 'orphan');
  await w.sd.drain();
  // A run stopped while it held the project's turn: the next run finds the holder ended.
  const stoppedVersion = await w.session.dropManifest(
    manifestFor('mutstop'),
    `manifests/mutstop-${ENVIRONMENT}.yaml`,
  );
  const holding = await w.session.waitForStatus(
    'mutstop',
    ENVIRONMENT,
    (d) => d.phase === 'provisioning' && Boolean(d.executionArn),
  );
  w.sd.stepFunctions.stopExecution(holding.executionArn!);
  // The retry names its secret as `secret:APP_KEY` (load-manifest resolves it with DescribeSecret;
  // the tasks then read it with the execution role).
  w.sd.cloud.secretsManager.createSecret({
    Name: `stackdrop/mutstop/${ENVIRONMENT}/APP_KEY`,
    SecretString: 'base64:x',
  });
  const shortRef = manifestFor('mutstop', [[/APP_KEY: arn:[^\n]+/, 'APP_KEY: secret:APP_KEY']]);
  expect(shortRef).toContain('APP_KEY: secret:APP_KEY');
  const after = await provision(w, 'mutstop', `${shortRef}\n# again\n`);
  expect(stoppedVersion).not.toBe(after.manifest?.versionId);
  expect(after.phase).toBe('ready');
  // A failing database stage, recovered by the next drop (ROLLBACK_COMPLETE is deleted and recreated).
  w.sd.cloud.faults.failResource({
    stackName: `stackdrop-mutfail-${ENVIRONMENT}-database`,
    type: 'AWS::RDS::DBSubnetGroup',
    action: 'create',
    times: 1,
  });
  expect((await provision(w, 'mutfail')).phase).toBe('failed');
  expect((await provision(w, 'mutfail', `${manifestFor('mutfail')}\n# retry\n`)).phase).toBe('ready');
  // Invocations that fail for good land in the event DLQ, sent with the function's own role
  // (Lambda's on-failure destination): a malformed status-change event fails the stack callback
  // through its two retries; a reaper run fails when EC2 throttles every DescribeInstances.
  const fn = (id: string) => w.sd.plan.functions.find((f) => f.logicalId === id)!.name;
  const dlqBefore = w.sd.cloud.sqs.queue(w.sd.outputs.EventDeadLetterQueueUrl!).messages.length;
  w.sd.lambda.invokeAsync(fn('StackCallbackFunction'), {});
  const throttled = w.sd.cloud.faults.throttle({
    service: 'ec2',
    operation: 'DescribeInstances',
    times: 100,
  });
  w.sd.lambda.invokeAsync(fn('ReapBastionsFunction'), {
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    detail: {},
  });
  await w.sd.drain();
  w.sd.cloud.faults.remove(throttled);
  await w.sd.cloud.clock.sleep(4 * 60_000);
  await w.sd.drain();
  // Each failed invocation lands (a record naming the function, or the event itself); on a loaded
  // machine a scheduled reaper run may meet the throttle too and land as well, so count by source.
  const landed = w.sd.cloud.sqs
    .queue(w.sd.outputs.EventDeadLetterQueueUrl!)
    .messages.slice(dlqBefore)
    .map((m) => m.body);
  expect(landed.some((b) => b.includes(fn('StackCallbackFunction')) || b === '{}')).toBe(true);
  expect(landed.some((b) => b.includes(fn('ReapBastionsFunction')) || b.includes('Scheduled Event'))).toBe(
    true,
  );
  // Teardown with confirmation (lifts the cluster's deletion protection, keeps the snapshot).
  const sfn = new SFNClient({
    endpoint: w.sd.endpoint,
    region: w.sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
  });
  await w.session.act(() =>
    startTeardown(project, ENVIRONMENT, project, {
      sfn,
      stateMachineArn: w.sd.outputs.TeardownStateMachineArn!,
      now: () => w.sd.cloud.clock.date(),
    }),
  );
  const gone = await w.session.waitForStatus(project, ENVIRONMENT, (d) =>
    ['destroyed', 'failed'].includes(d.phase),
  );
  expect(gone.phase).toBe('destroyed');
}

beforeAll(async () => {
  world = await startWorld();
  world.sd.cloud.iam.recording = [];
  const started = performance.now();
  await runStories(world);
  console.info(`IAM mutation stories: ${Math.round((performance.now() - started) / 1000)} s`);
  recorded = world.sd.cloud.iam.recording ?? [];
}, 420_000);

afterAll(async () => {
  await world?.stop();
});

/** template.yaml's roles, and the stage templates' roles that made a recorded call. */
function stackdropRoles(): RoleRecord[] {
  const own = world.sd.cloud.iam.roles
    .list()
    .filter((r) => !NOT_OBSERVABLE.has(r.source.split(' ')[1] ?? ''));
  const known = new Set(own.map((r) => r.arn));
  const stage = [...new Set(recorded.map((r) => r.roleArn))]
    .filter((arn) => !known.has(arn))
    .map((arn) => world.sd.cloud.iam.roles.get(arn))
    .filter((r): r is RoleRecord => r !== undefined)
    .map((r) => ({
      ...r,
      // One stage role per project: statements are named by the template, not the project.
      source: r.source.replace(/^stack stackdrop-[a-z0-9-]+?-production-/, 'stage template '),
    }));
  return [...own, ...stage];
}

describe('IAM mutation: every statement of every stackdrop role is needed', () => {
  it('the stories ran with enforcement on and no call was denied', () => {
    expect(recorded.length).toBeGreaterThan(200);
    expect(
      recorded
        .filter((r) => r.decision !== 'Allowed')
        .map((r) => `${r.roleArn} ${r.check.action} ${r.check.resource}`),
    ).toEqual([]);
  });

  it('removing any one Allow statement denies a recorded request naming one of its actions', async () => {
    const iam = world.sd.cloud.iam;
    const uncovered = new Map<string, string>();
    const covered = new Set<string>();
    for (const role of stackdropRoles()) {
      const requests = recorded.filter((r) => r.roleArn === role.arn);
      const unique = [...new Map(requests.map((r) => [JSON.stringify([r.check, r.principal]), r])).values()];
      for (const policy of role.policies) {
        if (AWS_MANAGED.test(policy.name)) continue;
        const statements = statementsOf(policy.document);
        for (const [index, statement] of statements.entries()) {
          if (statement.Effect !== 'Allow') continue;
          const id = statementId(policy, index);
          // A managed policy shared by several roles: one role needing the statement is enough.
          const key = policy.name.startsWith('arn:') ? id : `${role.source}: ${id}`;
          if (covered.has(key)) continue;
          if (NOT_OBSERVABLE_ACTIONS.test(actionsOf(statement).join(' '))) continue;
          const isCfnRole = role.source.endsWith('CloudFormationServiceRole');
          if (isCfnRole && statement.Sid && CFN_ROLE_NOT_CALLED_BY_LOCAL_PROVIDERS.has(statement.Sid))
            continue;
          if (NOT_YET_EXERCISED.has(statement.Sid ?? '') || NOT_YET_EXERCISED.has(id)) continue;
          const without: NamedPolicy[] = role.policies.map((p) =>
            p === policy
              ? { ...p, document: { ...p.document, Statement: statements.filter((_, i) => i !== index) } }
              : p,
          );
          const candidates = unique.filter((r) => r.allowedBy.includes(id));
          let denied: EvaluatedRequest | undefined;
          for (const r of candidates) {
            const e = await iam.evaluate(role.arn, r.principal, r.check, without);
            if (e.decision !== 'Allowed' && actionsOf(statement).some((a) => matches(a, r.check.action))) {
              denied = r;
              break;
            }
          }
          if (denied) {
            covered.add(key);
            uncovered.delete(key);
          } else uncovered.set(key, `${role.source}: ${id}`);
        }
      }
    }
    expect([...uncovered.values()]).toEqual([]);
    expect(covered.size).toBeGreaterThan(60);
    console.info(`IAM mutation: ${covered.size} statements covered`);
  });

  it('every Deny statement explicitly denies the call it guards against', async () => {
    const iam = world.sd.cloud.iam;
    const missed: string[] = [];
    for (const role of stackdropRoles()) {
      for (const policy of role.policies) {
        for (const [index, statement] of statementsOf(policy.document).entries()) {
          if (statement.Effect !== 'Deny') continue;
          for (const action of actionsOf(statement)) {
            const resources = action.startsWith('ec2:')
              ? [
                  `arn:aws:ec2:${world.sd.cloud.region}:${world.sd.cloud.accountId}:instance/i-0123456789abcdef0`,
                ]
              : [statement.Resource ?? '*'].flat().map((r) => r.replaceAll('*', 'x'));
            let denied = false;
            for (const resource of resources) {
              const e = await iam.evaluate(role.arn, role.arn, { action, resource, context: {} });
              if (e.decision === 'ExplicitlyDenied') denied = true;
            }
            if (!denied) missed.push(`${role.source}: ${statementId(policy, index)} ${action}`);
          }
        }
      }
    }
    expect(missed).toEqual([]);
  });
});
