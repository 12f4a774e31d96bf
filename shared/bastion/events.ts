import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventPublishError } from '../events.ts';

/** Bastion event detail types stackdrop emits (`source: stackdrop`, default bus). */
export type BastionEventType = 'Bastion Opened' | 'Bastion Expired' | 'Bastion Closed';

export interface BastionEvent {
  detailType: BastionEventType;
  detail: { project: string; environment: string; instanceId: string } & Record<string, unknown>;
}

/** PutEvents takes at most this many entries per call. */
const PUT_EVENTS_LIMIT = 10;

/**
 * Publishes bastion events ten to a PutEvents call (the reaper may expire hundreds at once); the
 * shape is the one `emitEvent` in shared/events.ts produces. Throws if any entry was rejected.
 */
export async function emitBastionEvents(
  client: EventBridgeClient,
  events: BastionEvent[],
  busName = process.env.EVENT_BUS_NAME ?? 'default',
): Promise<void> {
  const rejected: string[] = [];
  for (let i = 0; i < events.length; i += PUT_EVENTS_LIMIT) {
    const chunk = events.slice(i, i + PUT_EVENTS_LIMIT);
    const out = await client.send(
      new PutEventsCommand({
        Entries: chunk.map((event) => ({
          Source: 'stackdrop',
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          EventBusName: busName,
        })),
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      (out.Entries ?? []).forEach((entry, index) => {
        if (entry.ErrorCode) {
          rejected.push(`${chunk[index]?.detail.instanceId}: ${entry.ErrorCode} ${entry.ErrorMessage}`);
        }
      });
    }
  }
  if (rejected.length > 0) {
    throw new EventPublishError(
      `EventBridge rejected ${rejected.length} bastion event(s): ${rejected.join('; ')}`,
    );
  }
}
