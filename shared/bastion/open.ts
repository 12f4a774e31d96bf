import { randomUUID } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  type EC2Client,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '../logger.ts';
import { stackdropTags, TAG_EXPIRES_AT, TAG_OPENED_BY } from '../naming.ts';
import { updateStatus } from '../status.ts';
import {
  BASTION_AMI_PARAMETER,
  BASTION_INSTANCE_TYPE,
  BASTION_ROOT_DEVICE,
  BASTION_ROOT_VOLUME_GIB,
  BASTION_SSH_USER,
  ROLE_BASTION,
  ROLE_BASTION_ACCESS,
  SELF_SHUTDOWN_GRACE_MINUTES,
  TAG_ACCESS,
  TAG_ACCESS_GROUP,
  TAG_ROLE,
} from './constants.ts';
import { resolveBastionTarget } from './environment.ts';
import { emitBastionEvents } from './events.ts';
import { OpenBastionInputSchema, parseRequest } from './input.ts';
import { approveOpenRequest } from './policy.ts';
import { formatExpiry, toTagValue } from './tags.ts';
import { renderUserData } from './user-data.ts';

export interface OpenDeps {
  ec2: EC2Client;
  ssm: SSMClient;
  s3: S3Client;
  cfn: CloudFormationClient;
  events: EventBridgeClient;
  logger: Logger;
  now: () => Date;
  bucket: string;
  /** ARN of the bastion instance profile (Session Manager rights only). */
  instanceProfileArn: string;
  region: string;
  sleep?: (ms: number) => Promise<void>;
  /** How many times to look for an ssh bastion's public IP (2 s apart) before returning without it. */
  addressAttempts?: number;
}

export interface OpenBastionResult {
  instanceId: string;
  project: string;
  environment: string;
  access: 'ssm' | 'ssh';
  expiresAt: string;
  /** Public IP to ssh to (ssh only; absent if EC2 had not assigned it yet — see `stackdrop bastion list`). */
  address?: string;
  database: { host: string; port: number };
  /** The exact command that forwards localhost:<port> to the database writer. */
  tunnelCommand: string;
  /** Security group holding the single port-22 rule (ssh only). */
  accessGroupId?: string;
  notes: string[];
}

/** Errors RunInstances gives when one AZ cannot host the instance; another public subnet may. */
const TRY_NEXT_SUBNET = new Set([
  'InsufficientInstanceCapacity',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
]);

/**
 * Opens a temporary bastion: validates the request against the project's bastion policy (refusing
 * before anything is created), launches a hardened t4g.nano in a public subnet and records it.
 */
export async function openBastion(event: unknown, deps: OpenDeps): Promise<OpenBastionResult> {
  const input = parseRequest(OpenBastionInputSchema, event);
  const { project, environment } = input;
  const ref = { bucket: deps.bucket, project, environment };
  const target = await resolveBastionTarget(ref, deps);
  const approved = approveOpenRequest(input, target.policy);
  const ami = await deps.ssm.send(new GetParameterCommand({ Name: BASTION_AMI_PARAMETER }));
  const imageId = ami.Parameter?.Value;
  if (!imageId?.startsWith('ami-')) {
    throw new Error(`SSM parameter ${BASTION_AMI_PARAMETER} did not hold an AMI id`);
  }

  // Nothing has been created up to here: every refusal happens above.
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + approved.ttlMinutes * 60_000);
  const expiry = formatExpiry(expiresAt);
  const openedBy = toTagValue(input.openedBy ?? 'unknown');
  const baseTags: Tag[] = [...stackdropTags(project, environment), { Key: TAG_EXPIRES_AT, Value: expiry }];

  let accessGroupId: string | undefined;
  if (approved.access === 'ssh') {
    accessGroupId = await createAccessGroup(deps, {
      project,
      environment,
      vpcId: target.vpcId,
      callerCidr: approved.callerCidr,
      expiry,
      tags: baseTags,
    });
  }

  let instanceId: string;
  let subnetId: string;
  try {
    ({ instanceId, subnetId } = await launch(deps, {
      imageId,
      subnetIds: target.publicSubnetIds,
      securityGroupIds: [target.bastionSecurityGroupId, ...(accessGroupId ? [accessGroupId] : [])],
      userData: renderUserData({
        expiresAt,
        ...(approved.sshPublicKey ? { sshPublicKey: approved.sshPublicKey } : {}),
      }),
      tags: [
        ...baseTags,
        { Key: 'Name', Value: `stackdrop-bastion-${project}-${environment}` },
        { Key: TAG_OPENED_BY, Value: openedBy },
        { Key: TAG_ROLE, Value: ROLE_BASTION },
        { Key: TAG_ACCESS, Value: approved.access },
        ...(accessGroupId ? [{ Key: TAG_ACCESS_GROUP, Value: accessGroupId }] : []),
      ],
      volumeTags: baseTags,
    }));
  } catch (error) {
    if (accessGroupId) await deleteGroupQuietly(deps, accessGroupId);
    throw error;
  }
  deps.logger.info('Bastion launched', { project, environment, instanceId, subnetId, expiresAt: expiry });

  const notes: string[] = [];
  const address = approved.access === 'ssh' ? await waitForPublicIp(deps, instanceId) : undefined;
  if (approved.access === 'ssh' && !address) {
    notes.push('EC2 had not assigned the public IP yet; `stackdrop bastion list` shows it shortly.');
  }
  const port = target.port;
  const host = target.writerEndpoint;
  const tunnelCommand =
    approved.access === 'ssm'
      ? `aws ssm start-session --region ${deps.region} --target ${instanceId} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=${host},portNumber=${port},localPortNumber=${port}`
      : `ssh -N -L ${port}:${host}:${port} ${BASTION_SSH_USER}@${address ?? '<public-ip>'}`;
  notes.push(
    approved.access === 'ssm'
      ? 'The SSM agent registers about a minute after launch; retry start-session if it says the target is not connected.'
      : 'sshd answers about 30 seconds after launch.',
    `The reaper terminates the bastion at ${expiry}; the instance powers itself off ${SELF_SHUTDOWN_GRACE_MINUTES} minutes later as a fallback.`,
  );

  // The bastion exists and is tagged, so the reaper will end it whatever happens below: a failure
  // to record or announce it is reported, not turned into an error that would hide the instance.
  try {
    await updateStatus(
      ref,
      (doc) => {
        if (!doc.bastions.some((b) => b.instanceId === instanceId)) {
          doc.bastions.push({
            instanceId,
            access: approved.access,
            openedBy,
            callerCidr: approved.callerCidr,
            openedAt: now.toISOString(),
            expiresAt: expiresAt.toISOString(),
            state: 'open',
            ...(address ? { address } : {}),
          });
        }
        return doc;
      },
      { s3: deps.s3, now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
    );
  } catch (error) {
    deps.logger.error('Could not record the bastion in the status document', {
      instanceId,
      error: error as Error,
    });
    notes.push('The bastion could not be recorded in the status document; it still expires on time.');
  }
  try {
    await emitBastionEvents(deps.events, [
      {
        detailType: 'Bastion Opened',
        detail: { project, environment, instanceId, access: approved.access, expiresAt: expiry, openedBy },
      },
    ]);
  } catch (error) {
    deps.logger.error('Could not emit Bastion Opened', { instanceId, error: error as Error });
  }

  return {
    instanceId,
    project,
    environment,
    access: approved.access,
    expiresAt: expiry,
    ...(address ? { address } : {}),
    database: { host, port },
    tunnelCommand,
    ...(accessGroupId ? { accessGroupId } : {}),
    notes,
  };
}

async function createAccessGroup(
  deps: OpenDeps,
  options: {
    project: string;
    environment: string;
    vpcId: string;
    callerCidr: string;
    expiry: string;
    tags: Tag[];
  },
): Promise<string> {
  const tags = [...options.tags, { Key: TAG_ROLE, Value: ROLE_BASTION_ACCESS }];
  const created = await deps.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `stackdrop-bastion-${options.project}-${options.environment}-${randomUUID().slice(0, 8)}`,
      Description: `stackdrop ssh bastion access for ${options.project}/${options.environment} until ${options.expiry}`,
      VpcId: options.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
    }),
  );
  const groupId = created.GroupId!;
  try {
    // A new group allows all outbound traffic; this one only admits ssh (replies need no egress
    // rule), so the bastion keeps exactly the egress of the network stack's bastion group.
    await deps.ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    await deps.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [
              {
                CidrIp: options.callerCidr,
                Description: `stackdrop bastion ssh for ${options.project}/${options.environment} until ${options.expiry}`,
              },
            ],
          },
        ],
        TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: tags }],
      }),
    );
  } catch (error) {
    await deleteGroupQuietly(deps, groupId);
    throw error;
  }
  return groupId;
}

async function launch(
  deps: OpenDeps,
  options: {
    imageId: string;
    subnetIds: string[];
    securityGroupIds: string[];
    userData: string;
    tags: Tag[];
    volumeTags: Tag[];
  },
): Promise<{ instanceId: string; subnetId: string }> {
  const clientToken = randomUUID();
  let lastError: unknown = new Error('The network stack lists no public subnets');
  for (const subnetId of options.subnetIds) {
    const params: RunInstancesCommandInput = {
      ImageId: options.imageId,
      InstanceType: BASTION_INSTANCE_TYPE,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: `${clientToken}-${subnetId}`.slice(0, 64),
      IamInstanceProfile: { Arn: deps.instanceProfileArn },
      MetadataOptions: {
        HttpEndpoint: 'enabled',
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 1,
        InstanceMetadataTags: 'disabled',
      },
      BlockDeviceMappings: [
        {
          DeviceName: BASTION_ROOT_DEVICE,
          Ebs: {
            VolumeType: 'gp3',
            VolumeSize: BASTION_ROOT_VOLUME_GIB,
            Encrypted: true,
            DeleteOnTermination: true,
          },
        },
      ],
      InstanceInitiatedShutdownBehavior: 'terminate',
      // t4g defaults to unlimited credits; a forgotten tunnel should not run up a CPU bill.
      CreditSpecification: { CpuCredits: 'standard' },
      NetworkInterfaces: [
        {
          DeviceIndex: 0,
          SubnetId: subnetId,
          Groups: options.securityGroupIds,
          // Public subnets route through the internet gateway: SSM needs it to reach its endpoints.
          AssociatePublicIpAddress: true,
          DeleteOnTermination: true,
        },
      ],
      UserData: Buffer.from(options.userData, 'utf8').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: options.tags },
        { ResourceType: 'volume', Tags: options.volumeTags },
        { ResourceType: 'network-interface', Tags: options.volumeTags },
      ],
    };
    try {
      const out = await deps.ec2.send(new RunInstancesCommand(params));
      const instanceId = out.Instances?.[0]?.InstanceId;
      if (!instanceId) throw new Error('RunInstances returned no instance');
      return { instanceId, subnetId };
    } catch (error) {
      lastError = error;
      const code = (error as { name?: string }).name ?? '';
      if (!TRY_NEXT_SUBNET.has(code)) throw error;
      deps.logger.warn('No capacity for the bastion in this subnet; trying the next', { subnetId, code });
    }
  }
  throw lastError;
}

async function waitForPublicIp(deps: OpenDeps, instanceId: string): Promise<string | undefined> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const attempts = deps.addressAttempts ?? 15;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const out = await deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const ip = out.Reservations?.[0]?.Instances?.[0]?.PublicIpAddress;
      if (ip) return ip;
    } catch (error) {
      // A just-launched instance can be briefly unknown to DescribeInstances (eventual consistency).
      if ((error as { name?: string }).name !== 'InvalidInstanceID.NotFound') throw error;
    }
    if (attempt < attempts) await sleep(2000);
  }
  return undefined;
}

async function deleteGroupQuietly(deps: OpenDeps, groupId: string): Promise<void> {
  try {
    await deps.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  } catch (error) {
    // The reaper deletes expired access groups, so a leftover is cleaned up at the bastion's expiry.
    deps.logger.warn('Could not delete the access group of a failed launch', {
      groupId,
      error: error as Error,
    });
  }
}
