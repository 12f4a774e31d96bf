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

  /** Roles put directly (template.yaml's). */
  list(): RoleRecord[] {
    return [...this.#roles.values()];
  }
}
