import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { CloudFormationEngine } from '#local/cloudformation/engine.ts';
import { type RunningLocalCloud, startLocalCloud } from '#local/kernel.ts';
import { stageRoleBoundary } from '#test/helpers/stage-boundary.ts';

export interface CfnHarness {
  running: RunningLocalCloud;
  engine: CloudFormationEngine;
  cfn: CloudFormationClient;
  /** Client options for any other SDK client pointed at the same local cloud. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

/** Starts a local cloud (instant clock; it serves CloudFormation) and an SDK client for it. */
export async function startCfnHarness(): Promise<CfnHarness> {
  const running = await startLocalCloud({ speed: 'instant' });
  const engine = running.cloud.cloudformation;
  // The stage templates' roles name template.yaml's boundary, which IAM requires to exist.
  stageRoleBoundary(running.cloud);
  const clientConfig = {
    endpoint: running.endpoint,
    region: running.cloud.region,
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
  };
  const cfn = new CloudFormationClient({ ...clientConfig, maxAttempts: 1 });
  return {
    running,
    engine,
    cfn,
    clientConfig,
    stop: async () => {
      cfn.destroy();
      await running.stop();
    },
  };
}

/** Waits (on the virtual clock) until the stack has no operation in progress. */
export async function settle(harness: CfnHarness, stack: string): Promise<void> {
  await harness.engine.settled(stack);
}

/** Every event of a stack, oldest first, read through the API (all pages). */
export async function stackEvents(cfn: CloudFormationClient, stack: string): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stack, NextToken: token }));
    events.push(...(page.StackEvents ?? []));
    token = page.NextToken;
  } while (token);
  return events.reverse();
}

/** `LogicalId STATUS` lines of a stack's events, oldest first, for order assertions. */
export async function eventTrail(cfn: CloudFormationClient, stack: string): Promise<string[]> {
  return (await stackEvents(cfn, stack)).map(
    (e) =>
      `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : ''}`,
  );
}
