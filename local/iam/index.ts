import type { HttpRequest } from '../kernel.ts';
import { accessDenied, type ProtocolKind } from './errors.ts';
import { type AuthorizationCheck, type Decision, type Evaluation, evaluatePolicies } from './evaluate.ts';
import { ManagedPolicyStore, type NamedPolicy, RoleStore, statementId } from './policies.ts';
import { type RoleSession as Session, SessionStore } from './sessions.ts';

export type { AuthorizationCheck, Decision, DeniedBy, Evaluation } from './evaluate.ts';
export type {
  ManagedPolicyRecord,
  NamedPolicy,
  PolicyDocument,
  PolicyStatement,
  RoleRecord,
} from './policies.ts';
export { actionsOf, statementId, statementsOf } from './policies.ts';
export { checksFor, s3Checks } from './requests.ts';
export { currentSession, installRequestIdentity, type RoleSession, runAs } from './sessions.ts';

/** One request evaluated against a role's policies (kept while recording, for the mutation test). */
export interface EvaluatedRequest {
  roleArn: string;
  principal: string;
  check: AuthorizationCheck;
  decision: Decision;
  /** Statements that allowed it, as `statementId(policy, index)`. */
  allowedBy: string[];
  /** Who made the call: `kernel` (an API request), `states`, `ecs`, `cloudformation`. */
  caller: string;
}

/** Thrown by `authorize` outside the HTTP pipeline (runtime, ECS, CloudFormation) when a call is denied. */
export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';
  readonly action: string;
  readonly resource: string;
  constructor(message: string, action: string, resource: string) {
    super(message);
    this.action = action;
    this.resource = resource;
  }
}

/**
 * IAM for the local cloud: which principal made each request (role sessions by access key), the
 * roles and their policies, and the evaluation of every call a role makes. Requests signed with
 * an access key no session issued are the account's administrator (the user, the tests, the AWS
 * CLI with test keys) and are not evaluated, as an admin user's would all be allowed.
 */
export class Iam {
  /** Off: every call is allowed (the local cloud before IAM enforcement). */
  enforce: boolean;
  readonly roles = new RoleStore();
  /** Customer managed policies (a role's permissions boundary is one). */
  readonly policies = new ManagedPolicyStore();
  readonly sessions = new SessionStore();
  /** Every evaluation made while set (the mutation test replays them). */
  recording: EvaluatedRequest[] | undefined;
  readonly #profiles = new Map<string, string>();
  readonly #roleSessions = new Map<string, Session>();
  readonly #accountId: string;
  readonly #region: string;
  readonly #now: () => number;

  constructor(options: { accountId: string; region: string; enforce?: boolean; now: () => number }) {
    this.#accountId = options.accountId;
    this.#region = options.region;
    this.enforce = options.enforce ?? true;
    this.#now = options.now;
  }

  putInstanceProfile(profileArn: string, roleArn: string): void {
    this.#profiles.set(profileArn, roleArn);
  }

  roleOfInstanceProfile(profileArn: string): string | undefined {
    return this.#profiles.get(profileArn);
  }

  /** A session of the role (one per role and session name, like a function's execution environment). */
  sessionFor(roleArn: string, sessionName: string): Session {
    const key = `${roleArn}|${sessionName}`;
    let session = this.#roleSessions.get(key);
    if (!session) {
      session = this.sessions.issue(roleArn, sessionName, new Date(this.#now() + 12 * 3600_000));
      this.#roleSessions.set(key, session);
    }
    return session;
  }

  /** The role session that signed a request, from the access key of its SigV4 credential. */
  sessionOf(req: HttpRequest): Session | undefined {
    const auth = req.headers.authorization;
    const credential =
      (typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined) ??
      req.query.get('X-Amz-Credential')?.split('/')[0];
    return this.sessions.byAccessKey(credential);
  }

  /**
   * The permissions boundary of a role as the evaluator takes it: the current default version of
   * the managed policy the role names, or undefined when the role has none. A boundary this
   * account does not hold (deleted since) allows nothing: IAM refuses to set an unknown policy as
   * a boundary, so the role may do nothing it does not allow.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (read 2026-12-07)
   */
  boundaryOf(roleArn: string): NamedPolicy[] | undefined {
    const arn = this.roles.get(roleArn)?.permissionsBoundary;
    if (!arn) return undefined;
    return [this.policies.current(arn) ?? { name: arn, document: { Version: '2012-10-17', Statement: [] } }];
  }

  /**
   * Evaluates one check against a role's current policies (or the policies given) and its
   * permissions boundary (or the boundary given; `null` for none).
   */
  async evaluate(
    roleArn: string,
    principal: string,
    check: AuthorizationCheck,
    policies?: NamedPolicy[],
    boundary?: NamedPolicy[] | null,
  ): Promise<Evaluation> {
    const own = policies ?? this.roles.get(roleArn)?.policies ?? [];
    const context = {
      'aws:PrincipalArn': roleArn,
      'aws:PrincipalAccount': this.#accountId,
      'aws:RequestedRegion': this.#region,
      ...check.context,
    };
    const bound = boundary === null ? undefined : (boundary ?? this.boundaryOf(roleArn));
    return evaluatePolicies(own, principal, this.#accountId, { ...check, context }, bound);
  }

  /**
   * Authorizes every check of a request made by a role session; throws the protocol's
   * access-denied error naming the first denied action and resource.
   */
  async authorize(
    session: Session,
    checks: AuthorizationCheck[],
    options: { service: string; protocol: ProtocolKind; caller?: string },
  ): Promise<void> {
    if (!this.enforce) return;
    for (const check of checks) {
      const evaluation = await this.evaluate(session.roleArn, session.assumedRoleArn, check);
      this.#record(session, check, evaluation, options.caller ?? 'kernel');
      if (evaluation.decision !== 'Allowed') {
        if (process.env.STACKDROP_IAM_DEBUG) {
          process.stderr.write(`local IAM denied ${session.roleArn} ${JSON.stringify(check)}\n`);
        }
        if (evaluation.error) {
          process.emitWarning(
            `local IAM could not evaluate ${check.action} on ${check.resource}: ${evaluation.error}`,
          );
        }
        if (check.deniedAs) throw check.deniedAs();
        throw accessDenied(
          options.service,
          options.protocol,
          session.assumedRoleArn,
          check.action,
          check.resource,
          evaluation.decision,
          evaluation.deniedBy,
        );
      }
    }
  }

  /** `authorize` for calls made inside the cloud (no HTTP answer): throws AccessDeniedError. */
  async authorizeInternal(session: Session, checks: AuthorizationCheck[], caller: string): Promise<void> {
    try {
      await this.authorize(session, checks, { service: caller, protocol: 'awsJson', caller });
    } catch (error) {
      const check = checks.find((c) => (error as Error).message.includes(`perform: ${c.action}`));
      throw new AccessDeniedError((error as Error).message, check?.action ?? '', check?.resource ?? '');
    }
  }

  #record(session: Session, check: AuthorizationCheck, evaluation: Evaluation, caller: string): void {
    if (!this.recording) return;
    const policies = this.roles.get(session.roleArn)?.policies ?? [];
    this.recording.push({
      roleArn: session.roleArn,
      principal: session.assumedRoleArn,
      check,
      decision: evaluation.decision,
      allowedBy: evaluation.allowedBy.map((a) => {
        const policy = policies.find((p) => p.name === a.policy);
        return policy ? statementId(policy, a.index) : `${a.policy}#${a.index}`;
      }),
      caller,
    });
  }
}
