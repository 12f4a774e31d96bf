import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { ClientRequest } from 'node:http';

/**
 * Temporary credentials bound to a role, as STS AssumeRole issues them (`ASIA…` access keys).
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (read 2026-12-07)
 */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`: the principal errors name. */
  assumedRoleArn: string;
  expiration: Date;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKey(prefix: string, length: number): string {
  return prefix + [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** Issues and looks up role sessions by access key id. */
export class SessionStore {
  readonly #byKey = new Map<string, RoleSession>();

  issue(roleArn: string, sessionName: string, expiration: Date): RoleSession {
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const account = roleArn.split(':')[4] ?? '';
    const session: RoleSession = {
      accessKeyId: randomKey('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `local-${randomBytes(24).toString('base64url')}`,
      roleArn,
      sessionName,
      assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      expiration,
    };
    this.#byKey.set(session.accessKeyId, session);
    return session;
  }

  byAccessKey(accessKeyId: string | undefined): RoleSession | undefined {
    return accessKeyId ? this.#byKey.get(accessKeyId) : undefined;
  }
}

// ---- the identity of the code running now (Lambda functions run in this process) ------------

interface IdentityGlobal {
  storage: AsyncLocalStorage<RoleSession>;
  patched: boolean;
}

const GLOBAL_KEY = Symbol.for('stackdrop.local.iam.identity');

/**
 * One store per process: under vitest each test file may load its own copy of this module, but
 * every copy must see the identity the runtime set around an invocation.
 */
function identityGlobal(): IdentityGlobal {
  const g = globalThis as unknown as Record<symbol, IdentityGlobal | undefined>;
  let value = g[GLOBAL_KEY];
  if (!value) {
    value = { storage: new AsyncLocalStorage<RoleSession>(), patched: false };
    g[GLOBAL_KEY] = value;
  }
  return value;
}

/** Runs `fn` as the role session: every AWS request it makes is signed with the session's key. */
export function runAs<T>(session: RoleSession | undefined, fn: () => T): T {
  if (!session) return fn();
  return identityGlobal().storage.run(session, fn);
}

/** The role session the running code acts as, if any. */
export function currentSession(): RoleSession | undefined {
  return identityGlobal().storage.getStore();
}

/**
 * Lambda gives each function its role's temporary credentials. Here every function shares one
 * process (and, under vitest, one instance of the module-scope SDK clients, whose credentials are
 * cached), so the role is applied per request instead: while code runs as a session, the access
 * key in the SigV4 `Authorization` header of each outgoing request (and `X-Amz-Security-Token`)
 * becomes the session's, which is all the local cloud reads to know the caller. Patching
 * `ClientRequest.prototype.setHeader` reaches every HTTP client, however early it captured
 * `http.request`. Signatures are not verified locally, so rewriting after signing is harmless.
 */
export function installRequestIdentity(): void {
  const g = identityGlobal();
  if (g.patched) return;
  g.patched = true;
  const original = ClientRequest.prototype.setHeader;
  ClientRequest.prototype.setHeader = function setHeader(this: ClientRequest, name: string, value) {
    const session = g.storage.getStore();
    if (session) {
      const lower = name.toLowerCase();
      if (lower === 'authorization' && typeof value === 'string' && value.includes('Credential=')) {
        value = value.replace(/Credential=[^/]+\//, `Credential=${session.accessKeyId}/`);
      } else if (lower === 'x-amz-security-token') {
        value = session.sessionToken;
      }
    }
    return original.call(this, name, value);
  } as typeof original;
}
