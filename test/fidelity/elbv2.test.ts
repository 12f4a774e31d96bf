import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { errorOf } from '#test/integration/local/helpers.ts';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

const API = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference';

let cloud: FidelityCloud;
let elb: ElasticLoadBalancingV2Client;
let subnets: string[];
let vpcId: string;

beforeAll(async () => {
  cloud = await startFidelityCloud();
  elb = new ElasticLoadBalancingV2Client(cloud.config);
  const vpc = cloud.cloud.ec2.createVpc({ CidrBlock: '10.80.0.0/16' });
  vpcId = vpc.VpcId;
  subnets = ['a', 'b'].map(
    (z, i) =>
      cloud.cloud.ec2.createSubnet({
        VpcId: vpcId,
        CidrBlock: `10.80.${i}.0/24`,
        AvailabilityZone: `eu-west-1${z}`,
      }).SubnetId,
  );
}, HOOK_TIMEOUT);
afterAll(async () => {
  await cloud.stop();
}, HOOK_TIMEOUT);

describe('ELBv2 names (through the AWS CLI)', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;
  const long = 'a'.repeat(33);

  beforeAll(async () => {
    const lb = (name: string) => ['elbv2', 'create-load-balancer', '--name', name, '--subnets', ...subnets];
    const tg = (name: string) => [
      'elbv2',
      'create-target-group',
      `--name=${name}`,
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--vpc-id',
      vpcId,
      '--target-type',
      'ip',
    ];
    out = await cloud.aws(
      lb(long),
      lb('shop_web'),
      lb('shop-'),
      lb('internal-shop'),
      lb('a'.repeat(32)),
      tg(long),
      tg('-web'),
      tg('b'.repeat(32)),
      ['elbv2', 'create-load-balancer', '--name', 'one-zone', '--subnets', subnets[0]!],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'CreateLoadBalancer refuses a name over 32 characters (ValidationError)',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'ValidationError',
        message: 'LoadBalancer name cannot be longer than 32 characters',
      });
    },
  );
  fidelity(
    'CreateLoadBalancer refuses characters other than letters, digits and hyphens',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(cliError(out[1]!).code).toBe('ValidationError');
    },
  );
  fidelity(
    'CreateLoadBalancer refuses a name ending in a hyphen',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(cliError(out[2]!).code).toBe('ValidationError');
    },
  );
  fidelity(
    'CreateLoadBalancer refuses a name beginning with internal-',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(cliError(out[3]!).code).toBe('ValidationError');
    },
  );
  fidelity(
    'CreateLoadBalancer accepts a name of exactly 32 characters',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(out[4]!.json.LoadBalancers[0].LoadBalancerName).toBe('a'.repeat(32));
    },
  );
  fidelity('CreateTargetGroup refuses a name over 32 characters', `${API}/API_CreateTargetGroup.html`, () => {
    expect(cliError(out[5]!)).toEqual({
      code: 'ValidationError',
      message: `Target group name '${long}' cannot be longer than '32' characters`,
    });
  });
  fidelity(
    'CreateTargetGroup refuses a name beginning with a hyphen',
    `${API}/API_CreateTargetGroup.html`,
    () => {
      expect(cliError(out[6]!).code).toBe('ValidationError');
    },
  );
  fidelity(
    'CreateTargetGroup accepts a name of exactly 32 characters',
    `${API}/API_CreateTargetGroup.html`,
    () => {
      expect(out[7]!.json.TargetGroups[0].TargetGroupName).toBe('b'.repeat(32));
    },
  );
  fidelity(
    'An Application Load Balancer needs subnets in at least two Availability Zones',
    `${API}/API_CreateLoadBalancer.html`,
    () => {
      expect(cliError(out[8]!)).toEqual({
        code: 'ValidationError',
        message: 'At least two subnets in two different Availability Zones must be specified',
      });
    },
  );
});

describe('ELBv2 tags (add-tags, remove-tags, describe-tags through the AWS CLI)', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;
  let lbArn: string;
  let tgArn: string;

  beforeAll(async () => {
    lbArn = cloud.cloud.elbv2.createLoadBalancer({ Name: 'tagged', Subnets: subnets }).LoadBalancerArn;
    tgArn = cloud.cloud.elbv2.createTargetGroup({
      Name: 'tagged',
      VpcId: vpcId,
      Port: 80,
      Protocol: 'HTTP',
    }).TargetGroupArn;
    const missing = lbArn.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    out = await cloud.aws(
      [
        'elbv2',
        'add-tags',
        '--resource-arns',
        lbArn,
        tgArn,
        '--tags',
        'Key=stackdrop:project,Value=acme',
        'Key=team,Value=web',
      ],
      ['elbv2', 'add-tags', '--resource-arns', lbArn, '--tags', 'Key=team,Value=platform'],
      ['elbv2', 'describe-tags', '--resource-arns', lbArn, tgArn],
      ['elbv2', 'remove-tags', '--resource-arns', lbArn, '--tag-keys', 'team'],
      ['elbv2', 'describe-tags', '--resource-arns', lbArn],
      ['elbv2', 'add-tags', '--resource-arns', missing, '--tags', 'Key=a,Value=b'],
    );
  }, HOOK_TIMEOUT);

  fidelity('AddTags tags load balancers and target groups in one call', `${API}/API_AddTags.html`, () => {
    expect(out[0]!.rc).toBe(0);
    const [lb, tg] = out[2]!.json.TagDescriptions as Array<{
      ResourceArn: string;
      Tags: Array<{ Key: string; Value: string }>;
    }>;
    expect(tg!.ResourceArn).toBe(tgArn);
    expect(tg!.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'stackdrop:project', Value: 'acme' },
        { Key: 'team', Value: 'web' },
      ]),
    );
    expect(lb!.Tags).toContainEqual({ Key: 'stackdrop:project', Value: 'acme' });
  });
  fidelity(
    'AddTags with an existing key updates its value ("If a resource already has a tag with the same key, AddTags updates its value")',
    `${API}/API_AddTags.html`,
    () => {
      const [lb] = out[2]!.json.TagDescriptions as Array<{ Tags: Array<{ Key: string; Value: string }> }>;
      expect(lb!.Tags.filter((t) => t.Key === 'team')).toEqual([{ Key: 'team', Value: 'platform' }]);
    },
  );
  fidelity('RemoveTags removes the named keys only', `${API}/API_RemoveTags.html`, () => {
    expect(out[3]!.rc).toBe(0);
    expect(out[4]!.json.TagDescriptions[0].Tags).toEqual([{ Key: 'stackdrop:project', Value: 'acme' }]);
  });
  fidelity(
    'AddTags on a load balancer that does not exist: LoadBalancerNotFound',
    `${API}/API_AddTags.html`,
    () => {
      expect(cliError(out[5]!).code).toBe('LoadBalancerNotFound');
    },
  );
  fidelity(
    'DescribeTags on an unknown ARN: LoadBalancerNotFound',
    `${API}/API_DescribeTags.html`,
    async () => {
      const error = await errorOf(elb.send(new DescribeTagsCommand({ ResourceArns: [`${lbArn}x`] })));
      expect(error.name).toBe('LoadBalancerNotFoundException');
    },
  );
});

describe('a load balancer holds network interfaces in its subnets', () => {
  fidelity(
    "The load balancer's security group cannot be deleted until the load balancer is gone",
    'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html',
    async () => {
      const ec2 = new EC2Client(cloud.config);
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'alb', Description: 'alb' }),
      );
      const { LoadBalancers } = await elb.send(
        new CreateLoadBalancerCommand({ Name: 'held', Subnets: subnets, SecurityGroups: [GroupId!] }),
      );
      expect((await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: GroupId! })))).name).toBe(
        'DependencyViolation',
      );
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn! }));
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: GroupId! }));
    },
  );
});
