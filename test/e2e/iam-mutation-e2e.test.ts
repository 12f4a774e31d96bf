import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementsOf } from '#local/iam/index.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

/**
 * Sampled real mutations of stackdrop's roles (iam-mutation.test.ts replays every statement):
 * with one statement removed, a story run end to end fails with AccessDenied naming the action.
 * One world per file: under vitest the functions share their module-scope SDK clients.
 */
let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

/** Removes the statement with this Sid (or the policy with this name) from a role; returns the undo. */
function removeFromRole(
  w: E2eWorld,
  roleSource: string,
  match: { sid?: string; policy?: string },
): () => void {
  const role = w.sd.cloud.iam.roles.list().find((r) => r.source.endsWith(roleSource));
  if (!role) throw new Error(`no role from ${roleSource}`);
  const original = role.policies;
  const restore = () => {
    role.policies = original;
  };
  if (match.policy) {
    role.policies = role.policies.filter((p) => p.name !== match.policy);
    if (role.policies.length === original.length)
      throw new Error(`no policy ${match.policy} on ${roleSource}`);
    return restore;
  }
  role.policies = role.policies.map((p) => {
    const kept = statementsOf(p.document).filter((s) => s.Sid !== match.sid);
    return { ...p, document: { ...p.document, Statement: kept } };
  });
  if (JSON.stringify(role.policies) === JSON.stringify(original))
    throw new Error(`no statement ${match.sid} on ${roleSource}`);
  return restore;
}

describe('IAM mutation, end to end: a story fails with AccessDenied when a statement is removed', () => {
  it('without its Network statement, the CloudFormation service role cannot create the VPC', async () => {
    const w = world;
    const restore = removeFromRole(w, 'CloudFormationServiceRole', { sid: 'Network' });
    try {
      const failed = await provision(w, 'nonet');
      expect(failed.phase).toBe('failed');
      expect(failed.stacks.network?.reason).toMatch(/not authorized to perform: ec2:Create\w+/);
    } finally {
      restore();
    }
  }, 60_000);

  it('without its invoke policy, the provision state machine cannot run the load-manifest task', async () => {
    const w = world;
    const restore = removeFromRole(w, 'ProvisionStateMachine', {
      policy: 'ProvisionStateMachineRolePolicy0',
    });
    try {
      await w.session.dropManifest(manifestFor('noinvoke'), `manifests/noinvoke-${ENVIRONMENT}.yaml`);
      let failedTask: string | undefined;
      for (let i = 0; i < 200 && !failedTask; i++) {
        await w.sd.cloud.clock.sleep(30_000);
        const execution = [...w.sd.stepFunctions.executions.values()].find((e) =>
          e.input.includes('noinvoke'),
        );
        const failures = execution?.history.filter((h) => h.type === 'TaskFailed') ?? [];
        if (failures.length > 0) failedTask = JSON.stringify(failures);
      }
      expect(failedTask).toMatch(/not authorized to perform: lambda:InvokeFunction/);
    } finally {
      restore();
    }
  }, 60_000);

  it('without its RunTask statement, roll-service cannot start the release task and the deploy fails', async () => {
    const w = world;
    expect((await provision(w, 'norun')).phase).toBe('ready');
    const restore = removeFromRole(w, 'RollServiceFunction', { sid: 'ReleaseTaskInStackdropClusters' });
    try {
      const { doc } = await pushAndWait(w, 'norun', 'v1');
      expect(doc.deploys.at(-1)?.outcome).toBe('failed');
      expect(doc.deploys.at(-1)?.reason).toMatch(/not authorized to perform: ecs:RunTask/);
    } finally {
      restore();
    }
  }, 60_000);
});
