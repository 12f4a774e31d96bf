import { randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { ManagedPolicyRecord, PolicyDocument, RoleRecord } from '../iam/index.ts';
import type { LocalCloud } from '../kernel.ts';

/**
 * The IAM API's roles and customer managed policies, as far as a permissions boundary needs them:
 * CreateRole (with `PermissionsBoundary`), GetRole, PutRolePolicy, DeleteRolePolicy,
 * PutRolePermissionsBoundary, DeleteRolePermissionsBoundary, DeleteRole; CreatePolicy, GetPolicy,
 * CreatePolicyVersion, SetDefaultPolicyVersion. Roles made here are evaluated like every other
 * role: a session of the role (STS AssumeRole) may do what its policies and its boundary's
 * current default version both allow. Roles of CloudFormation stacks are read from the stacks and
 * are not found by name here. Sources (read 2026-12-07):
 * - https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 * - https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html
 * - https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePermissionsBoundary.html
 * - https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
 * - https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 * Errors: `NoSuchEntity` 404, `EntityAlreadyExists` 409, `MalformedPolicyDocument` 400,
 * `LimitExceeded` 409 (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
 */

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const uniqueId = (prefix: string) =>
  prefix + [...randomBytes(17)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');

/** A customer managed policy holds at most five versions (IAM and STS quotas). */
const MAX_POLICY_VERSIONS = 5;

function iamError(code: string, message: string, statusCode = 400): AwsError {
  return new AwsError(code, message, { statusCode });
}

function document(text: string | undefined, field: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    throw iamError('MalformedPolicyDocument', `${field} is not valid JSON: Syntax errors in policy.`);
  }
  const statement = (parsed as PolicyDocument | null)?.Statement;
  if (!statement || typeof statement !== 'object')
    throw iamError('MalformedPolicyDocument', `${field} has no Statement: Syntax errors in policy.`);
  return parsed as PolicyDocument;
}

/** A path is `/` or `/segments/` (API_CreateRole.html: Path). */
function checkPath(path: string): string {
  if (!/^\/([\u0021-\u007E]+\/)?$/.test(path) || path.length > 512)
    throw iamError(
      'ValidationError',
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  return path;
}

interface RoleExtra {
  roleId: string;
  created: Date;
  description?: string;
}

export function iamRoleOperations(cloud: LocalCloud) {
  const extras = new Map<string, RoleExtra>();
  const iam = cloud.iam;

  const role = (name: string | undefined): RoleRecord => {
    const found = name ? iam.roles.byName(name) : undefined;
    if (!found) throw iamError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
    return found;
  };
  const policy = (arn: string | undefined): ManagedPolicyRecord => {
    const found = arn ? iam.policies.get(arn) : undefined;
    if (!found) throw iamError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
    return found;
  };
  // A boundary must be a managed policy the account holds (or an AWS managed one, not modelled here).
  const boundaryArn = (arn: string): string => {
    if (!iam.policies.get(arn))
      throw iamError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`, 404);
    return arn;
  };
  const roleShape = (r: RoleRecord) => {
    const extra = extras.get(r.arn);
    const path = r.arn.slice(r.arn.indexOf(':role') + ':role'.length, r.arn.lastIndexOf('/') + 1);
    return {
      Path: path,
      RoleName: r.name,
      RoleId: extra?.roleId ?? 'AROALOCALCLOUDROLE0000',
      Arn: r.arn,
      CreateDate: extra?.created ?? cloud.clock.date(),
      ...(r.trust ? { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(r.trust)) } : {}),
      ...(extra?.description ? { Description: extra.description } : {}),
      MaxSessionDuration: 3600,
      ...(r.permissionsBoundary
        ? {
            PermissionsBoundary: {
              PermissionsBoundaryType: 'Policy',
              PermissionsBoundaryArn: r.permissionsBoundary,
            },
          }
        : {}),
    };
  };
  const usage = (arn: string) => iam.roles.list().filter((r) => r.permissionsBoundary === arn).length;
  const policyShape = (p: ManagedPolicyRecord) => ({
    PolicyName: p.name,
    PolicyId: `ANPA${p.arn.length}${p.name.length}LOCAL`,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: 0,
    PermissionsBoundaryUsageCount: usage(p.arn),
    IsAttachable: true,
    CreateDate: p.versions[0]?.created ?? cloud.clock.date(),
    UpdateDate: p.versions.at(-1)?.created ?? cloud.clock.date(),
  });

  return {
    CreateRole: (input: {
      RoleName: string;
      Path?: string;
      AssumeRolePolicyDocument: string;
      PermissionsBoundary?: string;
      Description?: string;
    }) => {
      const path = checkPath(input.Path ?? '/');
      if (iam.roles.byName(input.RoleName))
        throw iamError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`, 409);
      const trust = document(input.AssumeRolePolicyDocument, 'AssumeRolePolicyDocument');
      const boundary = input.PermissionsBoundary ? boundaryArn(input.PermissionsBoundary) : undefined;
      const arn = `arn:aws:iam::${cloud.accountId}:role${path}${input.RoleName}`;
      const record: RoleRecord = {
        arn,
        name: input.RoleName,
        policies: [],
        source: 'IAM API',
        trust,
        ...(boundary ? { permissionsBoundary: boundary } : {}),
      };
      iam.roles.put(record);
      extras.set(arn, {
        roleId: uniqueId('AROA'),
        created: cloud.clock.date(),
        ...(input.Description ? { description: input.Description } : {}),
      });
      return { Role: roleShape(record) };
    },
    GetRole: (input: { RoleName: string }) => ({ Role: roleShape(role(input.RoleName)) }),
    DeleteRole: (input: { RoleName: string }) => {
      const r = role(input.RoleName);
      if (r.policies.length > 0)
        throw iamError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
      iam.roles.delete(r.arn);
      extras.delete(r.arn);
      return {};
    },
    PutRolePolicy: (input: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
      const r = role(input.RoleName);
      const doc = document(input.PolicyDocument, 'PolicyDocument');
      r.policies = [
        ...r.policies.filter((p) => p.name !== input.PolicyName),
        { name: input.PolicyName, document: doc },
      ];
      return {};
    },
    DeleteRolePolicy: (input: { RoleName: string; PolicyName: string }) => {
      const r = role(input.RoleName);
      if (!r.policies.some((p) => p.name === input.PolicyName))
        throw iamError('NoSuchEntity', `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      r.policies = r.policies.filter((p) => p.name !== input.PolicyName);
      return {};
    },
    PutRolePermissionsBoundary: (input: { RoleName: string; PermissionsBoundary: string }) => {
      const r = role(input.RoleName);
      r.permissionsBoundary = boundaryArn(input.PermissionsBoundary);
      return {};
    },
    DeleteRolePermissionsBoundary: (input: { RoleName: string }) => {
      const r = role(input.RoleName);
      delete r.permissionsBoundary;
      return {};
    },
    CreatePolicy: (input: { PolicyName: string; Path?: string; PolicyDocument: string }) => {
      const path = checkPath(input.Path ?? '/');
      const arn = `arn:aws:iam::${cloud.accountId}:policy${path}${input.PolicyName}`;
      if (iam.policies.get(arn))
        throw iamError(
          'EntityAlreadyExists',
          `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`,
          409,
        );
      const record: ManagedPolicyRecord = {
        arn,
        name: input.PolicyName,
        path,
        versions: [
          {
            id: 'v1',
            document: document(input.PolicyDocument, 'PolicyDocument'),
            created: cloud.clock.date(),
          },
        ],
        defaultVersionId: 'v1',
        source: 'IAM API',
      };
      iam.policies.put(record);
      return { Policy: policyShape(record) };
    },
    GetPolicy: (input: { PolicyArn: string }) => ({ Policy: policyShape(policy(input.PolicyArn)) }),
    CreatePolicyVersion: (input: { PolicyArn: string; PolicyDocument: string; SetAsDefault?: boolean }) => {
      const p = policy(input.PolicyArn);
      if (p.versions.length >= MAX_POLICY_VERSIONS)
        throw iamError(
          'LimitExceeded',
          `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
          409,
        );
      const last = Math.max(...p.versions.map((v) => Number(v.id.slice(1))));
      const version = {
        id: `v${last + 1}`,
        document: document(input.PolicyDocument, 'PolicyDocument'),
        created: cloud.clock.date(),
      };
      p.versions.push(version);
      if (input.SetAsDefault) p.defaultVersionId = version.id;
      return {
        PolicyVersion: {
          VersionId: version.id,
          IsDefaultVersion: p.defaultVersionId === version.id,
          CreateDate: version.created,
        },
      };
    },
    SetDefaultPolicyVersion: (input: { PolicyArn: string; VersionId: string }) => {
      const p = policy(input.PolicyArn);
      if (!p.versions.some((v) => v.id === input.VersionId))
        throw iamError(
          'NoSuchEntity',
          `Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`,
          404,
        );
      p.defaultVersionId = input.VersionId;
      return {};
    },
  };
}
