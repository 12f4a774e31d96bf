import { runSimulation } from '@cloud-copilot/iam-simulate';

/**
 * Whether a queue's resource policy (its `Policy` attribute) lets an AWS service send to it on
 * behalf of one of its resources, judged by @cloud-copilot/iam-simulate (the evaluator the local
 * cloud's IAM enforcement builds on). A service principal holds no identity policy: only the
 * queue's policy can allow it, so a queue without one refuses every service.
 *
 * EventBridge sends a rule's undeliverable events to the target's dead-letter queue only when the
 * queue's policy grants `events.amazonaws.com` `sqs:SendMessage` (scoped with `aws:SourceArn` to
 * the rule); otherwise the event is not delivered there and counts as InvocationsFailedToBeSentToDlq
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html, "Granting
 * permissions to the dead-letter queue", read 2026-12-07).
 */
export async function queuePolicyAllowsService(
  policy: string | undefined,
  request: { service: string; action: string; queueArn: string; sourceArn: string; accountId: string },
): Promise<boolean> {
  if (!policy) return false;
  const result = await runSimulation(
    {
      request: {
        principal: request.service,
        action: request.action,
        resource: { resource: request.queueArn, accountId: request.accountId },
        contextVariables: {
          'aws:SourceArn': request.sourceArn,
          'aws:SourceAccount': request.accountId,
          'aws:SecureTransport': 'true',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: JSON.parse(policy) as never,
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(
      `queue policy of ${request.queueArn} cannot be evaluated: ${JSON.stringify(result.errors)}`,
    );
  return result.overallResult === 'Allowed';
}
