import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocalCloud, startLocalCloud } from '#local/kernel.ts';
import { STAGES } from '#shared/naming.ts';
import { renderStacks } from '#shared/render.ts';
import { stageOutputs } from '#test/helpers/stage-outputs.ts';
import { type CorpusEntry, synthesisCorpus } from '#test/helpers/synth-corpus.ts';

/**
 * The synthesis corpus through the local CloudFormation engine's own validation, as CreateStack
 * runs it: template format and quotas, parameter types and values (the subnets and security group
 * exist), conditions, the resource plan, and the registry schemas' pre-deployment property checks.
 * (A file of its own so it runs beside synth-corpus.test.ts.)
 */

/**
 * Every manifest of the corpus (56): the engine reads these JSON bodies with JSON.parse
 * (shared/cfn-yaml.ts), so the whole corpus takes about as long as the YAML parser took for 15.
 */
const corpus = synthesisCorpus();
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme@sha256:${'ab'.repeat(32)}`;
let running: RunningLocalCloud;
/** The network stage's outputs, backed by a VPC, subnets and a security group of the local cloud. */
const networkOutputs: Record<string, string> = {};

beforeAll(async () => {
  running = await startLocalCloud({ speed: 'instant' });
  const ec2 = running.cloud.ec2;
  const vpc = ec2.createVpc({ CidrBlock: '10.40.0.0/16' });
  const subnets = ['10.40.0.0/20', '10.40.16.0/20'].map(
    (CidrBlock) => ec2.createSubnet({ VpcId: vpc.VpcId, CidrBlock }).SubnetId,
  );
  const group = ec2.createSecurityGroup({ GroupName: 'app', Description: 'app', VpcId: vpc.VpcId });
  Object.assign(networkOutputs, { PrivateSubnetIds: subnets.join(','), AppSecurityGroupId: group.GroupId });
}, 60_000);

afterAll(async () => {
  await running?.stop();
});

function rendered(entry: CorpusEntry, imageUri: string) {
  const outputs = Object.fromEntries(STAGES.map((s) => [s, stageOutputs(s)]));
  outputs.network = { ...outputs.network, ...networkOutputs };
  return { app: renderStacks(entry.manifest, { outputs, imageUri }).find((s) => s.stage === 'app')! };
}

describe('the synthesis corpus on the local CloudFormation engine', () => {
  it.each(corpus.map((e) => [e.name, e] as const))(
    '%s: is accepted by the local CloudFormation engine',
    (_, entry) => {
      // Before the first image (every service at 0 tasks) and after.
      for (const image of ['', IMAGE]) {
        // Act
        const { app } = rendered(entry, image);
        const prepared = running.cloud.cloudformation.prepare(
          app.templateBody!,
          Object.entries(app.parameters).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
          {
            stackName: app.stackName,
            stackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${app.stackName}/1`,
            notificationArns: [],
          },
        );

        // Assess
        expect(prepared.validationFailures).toEqual([]);
        expect(prepared.plan.size).toBeGreaterThan(5);
      }
    },
  );
});
