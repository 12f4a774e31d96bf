import { AwsError } from '../errors.ts';
import type { AuthorizationCheck, Decision, NamedPolicy, PolicyDocument } from '../iam/index.ts';
import type { ContextValues } from '../iam/policies.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { iamRoleOperations } from './iam-roles.ts';

/**
 * The IAM policy simulator's two operations, answered with the same evaluator that enforces every
 * call locally (`@cloud-copilot/iam-simulate`), in the IAM Query API's shapes:
 * - SimulatePrincipalPolicy: the policies of a role the local cloud knows (template.yaml's, or a
 *   stack's), plus any `PolicyInputList` documents;
 * - SimulateCustomPolicy: only the documents given.
 * A role's permissions boundary (or a `PermissionsBoundaryPolicyInputList`, which replaces it) caps
 * the identity policies: an action is allowed only when both allow it and neither denies it explicitly.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (read 2026-12-07)
 */

interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  ContextKeyType?: string;
}

interface SimulateInput {
  PolicyInputList?: string[];
  PermissionsBoundaryPolicyInputList?: string[];
  ActionNames: string[];
  ResourceArns?: string[];
  ContextEntries?: ContextEntry[];
  CallerArn?: string;
  MaxItems?: number;
  Marker?: string;
}

/** IAM's decision words (EvalDecision) for the evaluator's. */
const EVAL_DECISION: Record<Decision, string> = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

/** An IAM error: IAM's Query API names errors without the `Exception` suffix (`NoSuchEntity`). */
function iamError(code: string, message: string, statusCode = 400): AwsError {
  return new AwsError(code, message, { statusCode });
}

function parseDocuments(list: string[] | undefined, label: string): NamedPolicy[] {
  return (list ?? []).map((text, i) => {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw iamError('InvalidInput', `${label}.${i + 1} is not a valid JSON policy document`);
    }
    const statement = (document as PolicyDocument | null)?.Statement;
    if (!statement || typeof statement !== 'object') {
      throw iamError('InvalidInput', `${label}.${i + 1} has no Statement`);
    }
    return { name: `${label}.${i + 1}`, document: document as PolicyDocument };
  });
}

/** Context entries as evaluator context: list types keep their list, the others their one value. */
function contextOf(entries: ContextEntry[] | undefined): ContextValues {
  const context: ContextValues = {};
  for (const e of entries ?? []) {
    if (!e.ContextKeyName) continue;
    const values = e.ContextKeyValues ?? [];
    context[e.ContextKeyName] = e.ContextKeyType?.endsWith('List') ? values : (values[0] ?? '');
  }
  return context;
}

async function simulate(
  cloud: LocalCloud,
  input: SimulateInput,
  source: { roleArn?: string; principal: string; policies: NamedPolicy[]; boundary?: NamedPolicy[] },
) {
  if (!input.ActionNames?.length) throw iamError('InvalidInput', 'ActionNames must name at least one action');
  // A boundary given as input replaces the one attached to the entity (API_SimulatePrincipalPolicy.html).
  const given = parseDocuments(
    input.PermissionsBoundaryPolicyInputList,
    'PermissionsBoundaryPolicyInputList',
  );
  const boundary = given.length ? given : source.boundary;
  const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
  const context = contextOf(input.ContextEntries);
  const results = [];
  for (const action of input.ActionNames) {
    for (const resource of resources) {
      const check: AuthorizationCheck = { action, resource, context };
      const roleArn = source.roleArn ?? source.principal;
      const evaluation = await cloud.iam.evaluate(
        roleArn,
        source.principal,
        check,
        source.policies,
        boundary ?? null,
      );
      // The simulator fetches no resource policies (a KMS key policy, a secret's policy): without
      // a ResourcePolicy it reports the identity policies' verdict, capped by the boundary
      // (API_SimulatePrincipalPolicy.html, access_policies_boundaries.html).
      const identity = evaluation.identityDecision ?? evaluation.decision;
      const boundaryDecision = evaluation.boundaryDecision;
      const decision: Decision =
        identity === 'ExplicitlyDenied' || boundaryDecision === 'ExplicitlyDenied'
          ? 'ExplicitlyDenied'
          : identity === 'Allowed' && (!boundaryDecision || boundaryDecision === 'Allowed')
            ? 'Allowed'
            : 'ImplicitlyDenied';
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: EVAL_DECISION[decision],
        MatchedStatements: evaluation.allowedBy.map((a) => ({
          SourcePolicyId: a.policy,
          SourcePolicyType: source.roleArn && !a.policy.startsWith('PolicyInputList.') ? 'role' : 'none',
        })),
        MissingContextValues: [],
        ...(boundaryDecision
          ? {
              PermissionsBoundaryDecisionDetail: {
                AllowedByPermissionsBoundary: boundaryDecision === 'Allowed',
              },
            }
          : {}),
      });
    }
  }
  // One page: the simulator pages by MaxItems (default 100) with an opaque Marker.
  const start = input.Marker ? Number(input.Marker) || 0 : 0;
  const size = input.MaxItems ?? 100;
  const page = results.slice(start, start + size);
  const more = start + size < results.length;
  return { EvaluationResults: page, IsTruncated: more, ...(more ? { Marker: String(start + size) } : {}) };
}

/** The IAM service (awsQuery, 2010-05-08): roles, managed policies and the policy simulator. */
export function iamService(cloud: LocalCloud): ServiceDefinition {
  return {
    protocol: 'awsQuery',
    version: '2010-05-08',
    xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    operations: {
      ...iamRoleOperations(cloud),
      SimulatePrincipalPolicy: (input: SimulateInput & { PolicySourceArn: string }) => {
        const arn = input.PolicySourceArn ?? '';
        const role = cloud.iam.roles.get(arn);
        if (!role) {
          const kind = /:(user|group|role)\//.exec(arn)?.[1] ?? 'entity';
          const name = arn.slice(arn.lastIndexOf('/') + 1);
          throw iamError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`, 404);
        }
        const extra = parseDocuments(input.PolicyInputList, 'PolicyInputList');
        const boundary = cloud.iam.boundaryOf(role.arn);
        return simulate(cloud, input, {
          roleArn: role.arn,
          principal: role.arn,
          policies: [...role.policies, ...extra],
          ...(boundary ? { boundary } : {}),
        });
      },
      SimulateCustomPolicy: (input: SimulateInput) => {
        const policies = parseDocuments(input.PolicyInputList, 'PolicyInputList');
        if (!policies.length) throw iamError('InvalidInput', 'PolicyInputList must hold at least one policy');
        return simulate(cloud, input, {
          principal: input.CallerArn ?? `arn:aws:iam::${cloud.accountId}:user/local`,
          policies,
        });
      },
    },
  };
}
