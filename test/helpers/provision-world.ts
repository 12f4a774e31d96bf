import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { cfn, ec2, events, rds, s3, sfn, sqs } from '#shared/aws.ts';
import { type Stage, statusKey } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import {
  ACCOUNT,
  FakeCloudFormation,
  REGION,
  type StackStatusChangeEnvelope,
} from './fake-cloudformation.ts';
import { FakeS3 } from './fake-s3.ts';
import { loadEvent } from './fixtures.ts';
import { ACME_MANIFEST } from './manifests.ts';
import { bindSfn, type ExecutionRecord, StepFunctionsHarness } from './sfn-harness.ts';
import { stageOutputs } from './stage-outputs.ts';

/**
 * A whole provisioning world for executed-state-machine tests and the transitions benchmark:
 * the real provision/teardown ASL, the real function handlers, and mocked AWS clients behind
 * an in-memory versioned bucket and an in-memory CloudFormation whose final-status events are
 * delivered to the real stack-callback handler.
 */

export const BUCKET = 'stackdrop-stackdropbucket-1a2b3c4d5e6f';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/stackdrop-CloudFormationServiceRole-ABC123`;
export { ACME_MANIFEST, stageOutputs };
export const DEPLOY_QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/stackdrop-DeployQueue-XYZ.fifo`;

// One mock per client, shared by the test file that builds a world.
export const s3Mock = mockClient(s3);
export const cfnMock = mockClient(cfn);
export const sfnMock = mockClient(sfn);
export const eventsMock = mockClient(events);
export const sqsMock = mockClient(sqs);
export const rdsMock = mockClient(rds);
/** No bastions unless a test says otherwise (the teardown ends them before the network stack). */
export const ec2Mock = mockClient(ec2);

/** Simulated durations in seconds, from reference/aws-facts.md (NAT ~2 min, Aurora ~15, ALB ~2.5, ECS ~6). */
export const TYPICAL_SECONDS: Record<Stage, number> = { network: 180, database: 900, edge: 150, app: 360 };

export interface WorldOptions {
  /** Real milliseconds per simulated second (default: one simulated minute per real millisecond). */
  scale?: number;
  /** Multiplies every stack duration (the benchmark's 10× case). */
  durationFactor?: number;
}

export interface World {
  s3: FakeS3;
  cfn: FakeCloudFormation;
  provision: StepFunctionsHarness;
  teardown: StepFunctionsHarness;
  /** Errors the stack-callback handler threw while handling events. */
  callbackErrors: unknown[];
  /** Puts a manifest version into the bucket and returns the S3 Object Created event for it. */
  upload(text: string, key?: string): ReturnType<typeof loadEvent<'aws.s3/object-created'>>;
  run(event: unknown): Promise<ExecutionRecord>;
  status(project?: string, environment?: string): StatusDocument | undefined;
  dispose(): void;
}

/** Builds a fresh world; mocks are reset, so call it in beforeEach. */
export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const scale = options.scale ?? 1 / 60;
  const factor = options.durationFactor ?? 1;
  for (const mock of [s3Mock, cfnMock, sfnMock, eventsMock, sqsMock, rdsMock, ec2Mock]) mock.reset();
  process.env.STATE_BUCKET = BUCKET;
  process.env.CFN_ROLE_ARN = ROLE_ARN;
  process.env.DEPLOY_QUEUE_URL = DEPLOY_QUEUE_URL;
  delete process.env.TEMPLATES_DIR;

  const [loadManifest, projectTurn, deployStack, stackCallback, recordStatus, reapBastions] =
    await Promise.all([
      import('#functions/load-manifest/index.ts'),
      import('#functions/project-turn/index.ts'),
      import('#functions/deploy-stack/index.ts'),
      import('#functions/stack-callback/index.ts'),
      import('#functions/record-status/index.ts'),
      import('#functions/reap-bastions/index.ts'),
    ]);

  const bucket = new FakeS3(s3Mock);
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'message-1' });
  rdsMock.on(ModifyDBClusterCommand).resolves({});
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });

  const callbackErrors: unknown[] = [];
  const cloudFormation = new FakeCloudFormation(cfnMock, {
    scale,
    durationSeconds: (stage, operation) =>
      (stage ? TYPICAL_SECONDS[stage] : 60) * factor * (operation === 'delete' ? 0.5 : 1),
    outputs: stageOutputs,
    onEvent: (event: StackStatusChangeEnvelope) => {
      stackCallback.handler(event).catch((error: unknown) => callbackErrors.push(error));
    },
  });

  const functions = {
    LoadManifestFunctionArn: loadManifest.handler as (e: unknown) => Promise<unknown>,
    ProjectTurnFunctionArn: projectTurn.handler as (e: unknown) => Promise<unknown>,
    DeployStackFunctionArn: deployStack.handler as (e: unknown) => Promise<unknown>,
    RecordStatusFunctionArn: recordStatus.handler as (e: unknown) => Promise<unknown>,
    ReapBastionsFunctionArn: reapBastions.handler as (e: unknown) => Promise<unknown>,
  };
  const root = new URL('../../', import.meta.url).pathname;
  const provision = new StepFunctionsHarness(`${root}statemachines/provision.asl.json`, functions, scale);
  const teardown = new StepFunctionsHarness(`${root}statemachines/teardown.asl.json`, functions, scale);
  // Both machines answer through the one mocked SFN client, routed by token or execution.
  bindSfn(sfnMock, [provision, teardown]);

  return {
    s3: bucket,
    cfn: cloudFormation,
    provision,
    teardown,
    callbackErrors,
    upload(text, key = 'manifests/acme-production.yaml') {
      const versionId = bucket.seed(key, text);
      const event = loadEvent('aws.s3/object-created');
      event.detail.bucket.name = BUCKET;
      event.detail.object.key = key;
      event.detail.object['version-id'] = versionId;
      return event;
    },
    run: (event) => provision.start(event).done,
    status: (project = 'acme', environment = 'production') =>
      bucket.json<StatusDocument>(statusKey(project, environment)),
    dispose: () => cloudFormation.reset(),
  };
}
