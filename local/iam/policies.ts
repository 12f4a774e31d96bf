/** IAM policy documents and the roles the local cloud knows, with where each came from. */

export type ContextValue = string | string[];
export type ContextValues = Record<string, ContextValue>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One identity policy of a role: an inline policy by name, or a managed policy by ARN. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

export interface RoleRecord {
  arn: string;
  name: string;
  policies: NamedPolicy[];
  /** Where the role was defined, e.g. `template.yaml RollServiceFunction` or `stack stackdrop-acme-production-app`. */
  source: string;
  trust?: PolicyDocument;
  /** ARN of the managed policy set as the role's permissions boundary, if any. */
  permissionsBoundary?: string;
}

/** A customer managed policy: its versions, one of them the default (the one IAM evaluates). */
export interface ManagedPolicyRecord {
  arn: string;
  name: string;
  path: string;
  versions: Array<{ id: string; document: PolicyDocument; created: Date }>;
  defaultVersionId: string;
  /** Where the policy was defined (`template.yaml StageRoleBoundary`, `IAM API`, a stack). */
  source: string;
}

/** Statements of a document as a list. */
export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

/** `<policy name>#<index>` with the Sid when there is one: how reports and tests name a statement. */
export function statementId(policy: NamedPolicy, index: number): string {
  const sid = statementsOf(policy.document)[index]?.Sid;
  return `${policy.name}#${index}${sid ? `(${sid})` : ''}`;
}

/** Actions a statement names (lower-cased service prefix, as IAM compares case-insensitively). */
export function actionsOf(statement: PolicyStatement): string[] {
  const a = statement.Action ?? [];
  return Array.isArray(a) ? a : [a];
}

/**
 * The roles of one account. Roles come from template.yaml (put by the runtime when it deploys
 * stackdrop) and from stacks the CloudFormation engine runs (looked up through resolvers, so a
 * role created, changed or deleted by a stack is always read as the stack has it now).
 */
export class RoleStore {
  readonly #roles = new Map<string, RoleRecord>();
  readonly #resolvers: Array<(arn: string) => RoleRecord | undefined> = [];

  put(role: RoleRecord): void {
    this.#roles.set(role.arn, role);
  }

  delete(arn: string): void {
    this.#roles.delete(arn);
  }

  /** Adds a lookup consulted for roles not put directly (e.g. roles of CloudFormation stacks). */
  addResolver(resolver: (arn: string) => RoleRecord | undefined): () => void {
    this.#resolvers.push(resolver);
    return () => {
      const i = this.#resolvers.indexOf(resolver);
      if (i >= 0) this.#resolvers.splice(i, 1);
    };
  }

  get(arn: string): RoleRecord | undefined {
    const direct = this.#roles.get(arn);
    if (direct) return direct;
    for (const resolve of this.#resolvers) {
      const found = resolve(arn);
      if (found) return found;
    }
    return undefined;
  }

  /** A role put directly, by name (IAM role names are unique per account, case-insensitively). */
  byName(name: string): RoleRecord | undefined {
    return this.list().find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  /** Roles put directly (template.yaml's). */
  list(): RoleRecord[] {
    return [...this.#roles.values()];
  }
}

/**
 * The customer managed policies of one account: template.yaml's (put by the runtime), the IAM
 * API's, and those of live CloudFormation stacks (through resolvers). A permissions boundary is
 * one of them, and IAM evaluates its current default version.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html (read 2026-12-07)
 */
export class ManagedPolicyStore {
  readonly #policies = new Map<string, ManagedPolicyRecord>();
  readonly #resolvers: Array<(arn: string) => ManagedPolicyRecord | undefined> = [];

  put(policy: ManagedPolicyRecord): void {
    this.#policies.set(policy.arn, policy);
  }

  delete(arn: string): void {
    this.#policies.delete(arn);
  }

  addResolver(resolver: (arn: string) => ManagedPolicyRecord | undefined): () => void {
    this.#resolvers.push(resolver);
    return () => {
      const i = this.#resolvers.indexOf(resolver);
      if (i >= 0) this.#resolvers.splice(i, 1);
    };
  }

  get(arn: string): ManagedPolicyRecord | undefined {
    const direct = this.#policies.get(arn);
    if (direct) return direct;
    for (const resolve of this.#resolvers) {
      const found = resolve(arn);
      if (found) return found;
    }
    return undefined;
  }

  /** The policy's default version as a named policy (named by its ARN), or undefined when unknown. */
  current(arn: string): NamedPolicy | undefined {
    const policy = this.get(arn);
    const version = policy?.versions.find((v) => v.id === policy.defaultVersionId);
    return version ? { name: arn, document: version.document } : undefined;
  }
}
