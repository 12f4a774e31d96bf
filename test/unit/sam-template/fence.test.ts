import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Decision, evaluatePolicies } from '#local/iam/evaluate.ts';
import type { NamedPolicy, PolicyDocument } from '#local/iam/policies.ts';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { loadTemplates } from '#test/unit/templates/load.ts';
import { actionMatches } from './audit.ts';
import { DEPLOYMENT, ownRoleIds, resolve, roleArn } from './resolve.ts';

/**
 * The stage roles' fence (issue #13, finding 1): whatever template CloudFormation runs under the
 * service role, it can create and change only roles under /stackdrop/stages/ that carry stackdrop's
 * permissions boundary, and never stackdrop's own roles or the boundary itself. Judged by
 * local/iam/evaluate.ts (@cloud-copilot/iam-simulate over the Service Authorization Reference),
 * the evaluator the local cloud's IAM enforcement uses, on every policy template.yaml gives the
 * role as deployed: its inline policies and the managed policies attached to it either way
 * (its ManagedPolicyArns, or a policy's Roles).
 */

type Json = Record<string, unknown>;
const ACCOUNT = DEPLOYMENT.accountId;
const FENCE = `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/`;

let template: CfnTemplate;
let servicePolicies: NamedPolicy[];
let boundaryArn: string;
let boundaryDocument: Json;

/** Every identity policy template.yaml gives a role: inline, ManagedPolicyArns, and policies naming it in Roles. */
function policiesOfRole(t: CfnTemplate, roleId: string): NamedPolicy[] {
  const props = t.Resources[roleId]!.Properties as { Policies?: Json[]; ManagedPolicyArns?: Json[] };
  const document = (value: unknown) => resolve(t, value) as PolicyDocument;
  const names = (list: unknown) => ((list as Json[] | undefined) ?? []).map((r) => r.Ref);
  const attached = new Set(names(props.ManagedPolicyArns));
  return [
    ...(props.Policies ?? []).map((p) => ({
      name: String(p.PolicyName),
      document: document(p.PolicyDocument),
    })),
    ...Object.entries(t.Resources)
      .filter(
        ([id, r]) =>
          (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') &&
          (attached.has(id) || names(r.Properties?.Roles).includes(roleId)),
      )
      .map(([id, r]) => ({ name: id, document: document(r.Properties!.PolicyDocument) })),
  ];
}

beforeAll(() => {
  template = parseCfnTemplate(readFileSync('template.yaml', 'utf8'));
  servicePolicies = policiesOfRole(template, 'CloudFormationServiceRole');
  boundaryArn = String(resolve(template, { Ref: 'StageRoleBoundary' }));
  boundaryDocument = resolve(
    template,
    template.Resources.StageRoleBoundary!.Properties!.PolicyDocument,
  ) as Json;
}, 30_000);

/** What IAM decides for the CloudFormation service role calling `action` on `resource`. */
async function serviceRoleMay(
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const evaluation = await evaluatePolicies(servicePolicies, roleArn('CloudFormationServiceRole'), ACCOUNT, {
    action,
    resource,
    context: { 'aws:RequestedRegion': DEPLOYMENT.region, ...context },
  });
  if (evaluation.error) throw new Error(evaluation.error);
  return evaluation.decision;
}

const ESCALATIONS = ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy'];

describe('the CloudFormation service role cannot escalate', () => {
  it('is judged on all its policies, the managed ones attached to it included', () => {
    expect(servicePolicies.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'create-stackdrop-stacks',
        'StageKeysAndCachePolicy',
        'CloudFormationEdgeServicesPolicy',
      ]),
    );
  });

  it('is denied PutRolePolicy, AttachRolePolicy and UpdateAssumeRolePolicy on its own role and every stackdrop role', async () => {
    // Prepare: the service role, each function's and state machine's role, the bastion role.
    const own = ownRoleIds(template);
    expect(own).toEqual(
      expect.arrayContaining(['CloudFormationServiceRole', 'DeployStackFunctionRole', 'BastionInstanceRole']),
    );
    expect(own.length).toBeGreaterThan(12);

    // Act: even claiming the boundary (a role outside the fence cannot have it).
    const decisions: string[] = [];
    for (const id of own)
      for (const action of ESCALATIONS)
        for (const context of [{}, { 'iam:PermissionsBoundary': boundaryArn }] as Record<string, string>[])
          decisions.push(`${id} ${action} ${await serviceRoleMay(action, roleArn(id), context)}`);

    // Assess
    expect(decisions.filter((d) => d.endsWith(' Allowed'))).toEqual([]);
    expect(decisions).toHaveLength(own.length * ESCALATIONS.length * 2);
  });

  it('is denied the same on a role outside the path, of another team or named like a stage role', async () => {
    for (const outside of [
      `arn:aws:iam::${ACCOUNT}:role/admin`,
      `arn:aws:iam::${ACCOUNT}:role/stackdrop-acme-production-edge-TaskRole-1A2B3C`,
      `arn:aws:iam::${ACCOUNT}:role/stackdrop/other/x`,
    ])
      for (const action of ESCALATIONS)
        expect(
          await serviceRoleMay(action, outside, { 'iam:PermissionsBoundary': boundaryArn }),
          `${action} on ${outside}`,
        ).not.toBe('Allowed');
  });

  it('may create a role under the path only with the boundary, and never attach managed policies to it', async () => {
    const role = `${FENCE}stackdrop-acme-production-edge-TaskRole-1A2B3C`;
    expect(await serviceRoleMay('iam:CreateRole', role, { 'iam:PermissionsBoundary': boundaryArn })).toBe(
      'Allowed',
    );
    expect(await serviceRoleMay('iam:CreateRole', role)).not.toBe('Allowed');
    expect(
      await serviceRoleMay('iam:CreateRole', role, {
        'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess`,
      }),
    ).not.toBe('Allowed');
    // What CloudFormation does to a fenced role: inline policies and its trust policy.
    for (const action of ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole'])
      expect(await serviceRoleMay(action, role, { 'iam:PermissionsBoundary': boundaryArn }), action).toBe(
        'Allowed',
      );
    expect(
      await serviceRoleMay('iam:AttachRolePolicy', role, { 'iam:PermissionsBoundary': boundaryArn }),
    ).not.toBe('Allowed');
  });

  it('can neither lift the boundary from a role nor change the boundary policy', async () => {
    const role = `${FENCE}stackdrop-acme-production-edge-TaskRole-1A2B3C`;
    expect(
      await serviceRoleMay('iam:DeleteRolePermissionsBoundary', role, {
        'iam:PermissionsBoundary': boundaryArn,
      }),
    ).toBe('ExplicitlyDenied');
    for (const action of [
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:DeletePolicy',
    ])
      expect(await serviceRoleMay(action, boundaryArn), action).toBe('ExplicitlyDenied');
  });

  it('can change no managed policy of template.yaml (those of its own role and the functions’ roles included)', async () => {
    const managed = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
      .map(([id]) => String(resolve(template, { Ref: id })));
    expect(managed).toEqual(expect.arrayContaining([boundaryArn]));
    expect(managed.length).toBeGreaterThanOrEqual(4);
    const decisions: string[] = [];
    for (const policy of managed)
      for (const action of [
        'iam:CreatePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:DeletePolicyVersion',
        'iam:DeletePolicy',
      ])
        decisions.push(`${policy} ${action} ${await serviceRoleMay(action, policy)}`);
    expect(decisions.filter((d) => d.endsWith(' Allowed'))).toEqual([]);
  });

  it('passes only fenced roles, and only to ECS tasks and VPC flow logs', async () => {
    const fenced = `${FENCE}stackdrop-acme-production-edge-ExecutionRole-1A2B3C`;
    const pass = (resource: string, service: string) =>
      serviceRoleMay('iam:PassRole', resource, { 'iam:PassedToService': service });
    expect(await pass(fenced, 'ecs-tasks.amazonaws.com')).toBe('Allowed');
    expect(await pass(fenced, 'vpc-flow-logs.amazonaws.com')).toBe('Allowed');
    expect(await pass(fenced, 'lambda.amazonaws.com')).not.toBe('Allowed');
    expect(await pass(roleArn('DeployStackFunctionRole'), 'ecs-tasks.amazonaws.com')).not.toBe('Allowed');
    expect(await pass(roleArn('CloudFormationServiceRole'), 'ecs-tasks.amazonaws.com')).not.toBe('Allowed');
  });
});

describe('every stage role is inside the fence', () => {
  type Role = { stage: string; id: string; props: Json };
  const stageRoles = (): Role[] =>
    Object.entries(loadTemplates()).flatMap(([stage, t]) =>
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([id, r]) => ({ stage, id, props: (r.Properties ?? {}) as Json })),
    );

  it('carries the path /stackdrop/stages/ and the boundary template.yaml defines', () => {
    const roles = stageRoles();
    expect(roles.map((r) => `${r.stage}.${r.id}`).sort()).toEqual([
      'edge.ExecutionRole',
      'edge.TaskRole',
      'network.FlowLogRole',
    ]);
    for (const role of roles) {
      expect(role.props.Path, role.id).toBe('/stackdrop/stages/');
      // Same account, region and partition as template.yaml's deployment.
      expect(resolve(template, role.props.PermissionsBoundary), role.id).toBe(boundaryArn);
    }
  });

  it('holds nothing its boundary does not allow (the boundary is never what silently denies)', () => {
    const allowed = (boundaryDocument.Statement as Json[])
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Action].flat() as string[]);
    const granted = new Set<string>();
    for (const t of Object.values(loadTemplates()))
      for (const r of Object.values(t.Resources)) {
        const props = (r.Properties ?? {}) as Json;
        const documents =
          r.Type === 'AWS::IAM::Role'
            ? ((props.Policies as Json[] | undefined) ?? []).map((p) => p.PolicyDocument as Json)
            : r.Type === 'AWS::IAM::Policy'
              ? [props.PolicyDocument as Json]
              : [];
        for (const document of documents)
          for (const s of [document.Statement].flat() as Json[]) {
            // A conditional statement (Fn::If) holds the statement as its second element.
            const statement = (s['Fn::If'] as Json[] | undefined)?.[1] ?? s;
            if ((statement as Json).Effect === 'Allow')
              for (const action of [(statement as Json).Action].flat() as string[]) granted.add(action);
          }
      }
    expect(granted.size).toBeGreaterThan(10);
    expect(
      [...granted].filter((action) => !allowed.some((pattern) => actionMatches(pattern, action))),
    ).toEqual([]);
  });

  it('names the execution role for its secrets policy from the ARN part after the path', () => {
    const app = loadTemplates().app;
    const roles = (app.Resources.ExecutionSecretsPolicy!.Properties as { Roles: Json[] }).Roles;
    const select = roles[0]!['Fn::Select'] as [number, Json];
    const arn = `${FENCE}stackdrop-acme-production-edge-ExecutionRole-1A2B3C`;
    expect(arn.split('/')[select[0]]).toBe('stackdrop-acme-production-edge-ExecutionRole-1A2B3C');
  });
});
