import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TurnRecord } from '#shared/provision/turn.ts';
import {
  ACME_MANIFEST,
  cfnMock,
  createWorld,
  eventsMock,
  rdsMock,
  type World,
} from '#test/helpers/provision-world.ts';

let world: World;

beforeEach(async () => {
  world = await createWorld();
  const provisioned = await world.run(world.upload(ACME_MANIFEST));
  expect(provisioned.status).toBe('SUCCEEDED');
  world.cfn.calls.length = 0;
});
afterEach(() => world.dispose());

describe('teardown state machine (executed)', () => {
  it('deletes app then edge, and the database alongside, then network, lifting protection only when confirmed', async () => {
    // Act
    const execution = await world.teardown.start({
      project: 'acme',
      environment: 'production',
      confirm: 'acme',
    }).done;

    // Assess
    expect(execution.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    const calls = world.cfn.calls;
    // The database does not wait for the app (no resource of the app depends on it); the edge
    // does (its ECS cluster cannot go while the services run).
    expect(calls.slice(0, 3).sort()).toEqual([
      'DeleteStack stackdrop-acme-production-app',
      'DeleteStack stackdrop-acme-production-database',
      'UpdateTerminationProtection stackdrop-acme-production-database',
    ]);
    expect(calls[3]).toBe('DeleteStack stackdrop-acme-production-edge');
    expect(calls.at(-1)).toBe('DeleteStack stackdrop-acme-production-network');
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, { DeletionProtection: false });
    expect(world.status()?.phase).toBe('destroyed');
    expect(eventsMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Teardown Succeeded' })],
    });
  });

  it('refuses before deleting anything when the protected database lacks the confirmation, leaving the project ready', async () => {
    // Act
    const execution = await world.teardown.start({ project: 'acme', environment: 'production' }).done;

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('ConfirmationRequiredError');
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
    const status = world.status();
    expect(status?.phase).toBe('ready');
    expect(status?.error?.message).toContain('--confirm acme');
  });

  it('waits for a running provisioning to finish before deleting anything', async () => {
    // Prepare: a slower world, and a provisioning of a changed manifest under way.
    world.dispose();
    world = await createWorld({ scale: 1 / 6 });
    await world.run(world.upload(ACME_MANIFEST));
    const provisioning = world.provision.start(
      world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 14')),
    );
    while (!world.cfn.calls.some((c) => c.startsWith('UpdateStack'))) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    // Act
    const teardown = world.teardown.start({ project: 'acme', environment: 'production', confirm: 'acme' });
    const [provisioned, destroyed] = await Promise.all([provisioning.done, teardown.done]);

    // Assess
    expect([provisioned.status, destroyed.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const lastUpdate = world.cfn.calls.findLastIndex((c) => c.startsWith('UpdateStack'));
    const firstDelete = world.cfn.calls.findIndex((c) => c.startsWith('DeleteStack'));
    expect(firstDelete).toBeGreaterThan(lastUpdate);
    expect(world.status()?.phase).toBe('destroyed');
  });

  it('deletes nothing when a newer manifest takes its place in the queue while it waits', async () => {
    // Prepare: a provisioning under way, the teardown waiting behind it.
    world.dispose();
    world = await createWorld({ scale: 1 / 6 });
    await world.run(world.upload(ACME_MANIFEST));
    const provisioning = world.provision.start(
      world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 14')),
    );
    while (!world.cfn.calls.some((c) => c.startsWith('UpdateStack'))) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const teardown = world.teardown.start({ project: 'acme', environment: 'production', confirm: 'acme' });
    while (!world.s3.json<TurnRecord>('turns/acme-production.json')?.waiting?.key.startsWith('teardown')) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    // Act: a newer manifest arrives and displaces the waiting teardown.
    const newer = world.provision.start(
      world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 21')),
    );
    const [provisioned, destroyed, reprovisioned] = await Promise.all([
      provisioning.done,
      teardown.done,
      newer.done,
    ]);

    // Assess
    expect(destroyed.status).toBe('FAILED');
    expect(destroyed.error?.name).toBe('TeardownSuperseded');
    expect(world.cfn.calls.filter((c) => c.startsWith('DeleteStack'))).toEqual([]);
    expect([provisioned.status, reprovisioned.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(world.status()?.phase).toBe('ready');
  });
});
