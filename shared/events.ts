import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

/** Detail types stackdrop emits with `source: stackdrop` on the default bus. */
export type StackdropEventType =
  | 'Provisioning Succeeded'
  | 'Provisioning Failed'
  | 'Deploy Succeeded'
  | 'Deploy Failed'
  | 'Bastion Opened'
  | 'Bastion Expired'
  | 'Bastion Closed'
  | 'Teardown Succeeded'
  | 'Teardown Failed';

export class EventPublishError extends Error {
  override name = 'EventPublishError';
}

/** Publishes one stackdrop event; fails loudly if EventBridge rejected the entry. */
export async function emitEvent(
  client: EventBridgeClient,
  detailType: StackdropEventType,
  detail: { project: string; environment: string } & Record<string, unknown>,
  busName = process.env.EVENT_BUS_NAME ?? 'default',
): Promise<void> {
  const out = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'stackdrop',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: busName,
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const entry = out.Entries?.[0];
    throw new EventPublishError(
      `EventBridge rejected ${detailType}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
    );
  }
}
