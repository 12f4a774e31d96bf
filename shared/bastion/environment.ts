import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Manifest } from '../manifest/schema.ts';
import { stackName } from '../naming.ts';
import { ParsedManifestUnavailableError, readParsedManifest } from '../parsed-manifest.ts';
import { readStatus, type StatusDocument } from '../status.ts';
import { BastionRefusedError } from './input.ts';

/** Phases in which the database exists and a bastion may be opened. */
export const OPENABLE_PHASES: readonly StatusDocument['phase'][] = ['ready', 'deploying'];

export interface BastionTarget {
  status: StatusDocument;
  policy: Manifest['bastion'];
  vpcId: string;
  publicSubnetIds: string[];
  bastionSecurityGroupId: string;
  writerEndpoint: string;
  port: number;
}

/**
 * Everything open-bastion needs to know about a project before creating anything: its status
 * (must exist and be ready), the bastion policy from the manifest version it was provisioned from,
 * and the network and database stack outputs. Refuses with a reason when any of it is missing.
 */
export async function resolveBastionTarget(
  ref: { bucket: string; project: string; environment: string },
  deps: { s3: S3Client; cfn: CloudFormationClient },
): Promise<BastionTarget> {
  const name = `${ref.project}/${ref.environment}`;
  const current = await readStatus(ref, deps);
  if (!current) {
    throw new BastionRefusedError('UNKNOWN_PROJECT', `stackdrop does not know project ${name}`);
  }
  const status = current.doc;
  if (!OPENABLE_PHASES.includes(status.phase)) {
    throw new BastionRefusedError(
      'NOT_READY',
      `Project ${name} is ${status.phase}; a bastion can be opened only once it is ready`,
    );
  }
  if (!status.manifest) {
    throw new BastionRefusedError('NOT_READY', `Project ${name} has no provisioned manifest on record`);
  }
  const policy = (await readManifest(ref, status.manifest, deps.s3)).bastion;

  const network = await stackOutputs(deps.cfn, stackName(ref.project, ref.environment, 'network'));
  const database = await stackOutputs(deps.cfn, stackName(ref.project, ref.environment, 'database'));
  const need = (outputs: Record<string, string> | undefined, stage: string, key: string): string => {
    const value = outputs?.[key];
    if (!value) {
      throw new BastionRefusedError('NOT_READY', `Project ${name}'s ${stage} stack has no ${key} output`);
    }
    return value;
  };
  const publicSubnetIds = need(network, 'network', 'PublicSubnetIds')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  return {
    status,
    policy,
    vpcId: need(network, 'network', 'VpcId'),
    publicSubnetIds,
    bastionSecurityGroupId: need(network, 'network', 'BastionSecurityGroupId'),
    writerEndpoint: need(database, 'database', 'WriterEndpoint'),
    port: Number(need(database, 'database', 'Port')),
  };
}

/** The bastion policy of the manifest version the project was provisioned from, as load-manifest parsed it. */
async function readManifest(
  ref: { bucket: string; project: string; environment: string },
  manifest: { key: string; versionId?: string | undefined },
  s3: S3Client,
): Promise<Manifest> {
  try {
    return await readParsedManifest(s3, ref.bucket, ref.project, ref.environment, manifest);
  } catch (error) {
    if (error instanceof ParsedManifestUnavailableError) {
      throw new BastionRefusedError('NOT_READY', error.message);
    }
    throw error;
  }
}

/** A stack's outputs, or undefined when the stack does not exist. */
async function stackOutputs(
  cfn: CloudFormationClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack || stack.StackStatus?.startsWith('DELETE')) return undefined;
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    if ((error as Error).message?.includes('does not exist')) return undefined;
    throw error;
  }
}
