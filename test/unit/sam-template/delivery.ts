import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import type { Finding } from '#test/unit/templates/audit.ts';

/**
 * "Nothing dropped silently" as code (issue #13, finding 5): every EventBridge rule target and
 * schedule retries and dead-letters, every asynchronously invoked function has an on-failure
 * destination, and every dead-letter queue is alarmed and named in an output `stackdrop status`
 * reads (`*DeadLetterQueueUrl`).
 *
 * A DLQ nobody may write to drops as silently as none: EventBridge sends a rule's undeliverable
 * events only when the queue's policy lets `events.amazonaws.com` send from that rule
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html), and Lambda sends an
 * on-failure record with the function's execution role, which needs `sqs:SendMessage` on it
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), both read
 * 2026-12-07.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The logical id a `!GetAtt X.Arn` / `!Ref X` names, if any. */
function target(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return typeof value.Ref === 'string' ? value.Ref : undefined;
}

const ASYNC_EVENT_TYPES = new Set(['EventBridgeRule', 'CloudWatchEvent', 'Schedule']);

/** The logical ids an `aws:SourceArn` condition value names (a list or one value). */
function sourceArns(statement: Json): string[] | undefined {
  const condition = isObject(statement.Condition) ? statement.Condition : {};
  const values = Object.values(condition)
    .filter(isObject)
    .flatMap((c) => (c['aws:SourceArn'] === undefined ? [] : [c['aws:SourceArn']].flat()));
  return values.length === 0 ? undefined : values.map((v) => target(v) ?? String(v));
}

/** Whether a queue policy of the template lets EventBridge send from `rule` to `queue`. */
function queueAcceptsRule(template: CfnTemplate, queue: string, rule: string): boolean {
  return Object.values(template.Resources).some((r) => {
    if (r.Type !== 'AWS::SQS::QueuePolicy') return false;
    const props = (r.Properties ?? {}) as Json;
    if (!((props.Queues as unknown[] | undefined) ?? []).some((q) => target(q) === queue)) return false;
    const document = (props.PolicyDocument ?? {}) as Json;
    return ([document.Statement].flat() as Json[]).some((s) => {
      const principal = isObject(s.Principal) ? [s.Principal.Service].flat() : [];
      const sources = sourceArns(s);
      return (
        s.Effect === 'Allow' &&
        principal.includes('events.amazonaws.com') &&
        [s.Action].flat().some((a) => a === 'sqs:SendMessage' || a === 'sqs:*') &&
        (sources === undefined || sources.includes(rule))
      );
    });
  });
}

/** Whether a function's own policy statements allow it to send to `queue`. */
function functionMaySend(template: CfnTemplate, fn: string, queue: string): boolean {
  const policies = (template.Resources[fn]?.Properties?.Policies as unknown[] | undefined) ?? [];
  return policies
    .filter(isObject)
    .flatMap((p) => [p.Statement].flat().filter(isObject))
    .some(
      (s) =>
        s.Effect === 'Allow' &&
        [s.Action].flat().includes('sqs:SendMessage') &&
        [s.Resource].flat().some((r) => target(r) === queue),
    );
}

export function auditDelivery(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  const deadLetterQueues = new Set<string>();
  const asyncFunctions = new Set<string>();
  const requireDelivery = (path: string, props: Json, rule: string) => {
    if (!isObject(props.RetryPolicy))
      findings.push({ rule: 'no-retry-policy', path, message: 'rule target without a RetryPolicy' });
    const dlq = isObject(props.DeadLetterConfig) ? target(props.DeadLetterConfig.Arn) : undefined;
    if (dlq === undefined)
      findings.push({
        rule: 'no-dead-letter-queue',
        path,
        message: 'rule target without a DeadLetterConfig queue',
      });
    else {
      deadLetterQueues.add(dlq);
      if (!queueAcceptsRule(template, dlq, rule))
        findings.push({
          rule: 'dead-letter-queue-refuses-rule',
          path,
          message: `no policy of ${dlq} lets events.amazonaws.com send from rule ${rule}: its dead letters would be dropped`,
        });
    }
  };

  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = (resource.Properties ?? {}) as Json;
    if (resource.Type === 'AWS::Events::Rule') {
      for (const [i, t] of ((props.Targets as Json[] | undefined) ?? []).entries()) {
        requireDelivery(`Resources.${id}.Properties.Targets[${i}]`, t, id);
        const fn = target(t.Arn);
        if (fn && template.Resources[fn]?.Type === 'AWS::Serverless::Function') asyncFunctions.add(fn);
      }
    }
    if (resource.Type === 'AWS::Serverless::Function' || resource.Type === 'AWS::Serverless::StateMachine') {
      for (const [name, event] of Object.entries((props.Events as Record<string, Json> | undefined) ?? {})) {
        if (!ASYNC_EVENT_TYPES.has(String(event.Type))) continue;
        // SAM names the rule it generates for an event `<resource><event>`.
        requireDelivery(
          `Resources.${id}.Properties.Events.${name}`,
          (event.Properties ?? {}) as Json,
          `${id}${name}`,
        );
        if (resource.Type === 'AWS::Serverless::Function') asyncFunctions.add(id);
      }
    }
    if (resource.Type === 'AWS::Serverless::Function') {
      // A burst of messages must not take the account's whole Lambda concurrency (issue #13, 6).
      for (const [name, event] of Object.entries((props.Events as Record<string, Json> | undefined) ?? {})) {
        const scaling = isObject(event.Properties) ? event.Properties.ScalingConfig : undefined;
        if (event.Type === 'SQS' && !(isObject(scaling) && typeof scaling.MaximumConcurrency === 'number'))
          findings.push({
            rule: 'sqs-source-without-maximum-concurrency',
            path: `Resources.${id}.Properties.Events.${name}`,
            message: 'an SQS event source without ScalingConfig.MaximumConcurrency',
          });
      }
    }
    if (resource.Type === 'AWS::SQS::Queue' && isObject(props.RedrivePolicy)) {
      const dlq = target(props.RedrivePolicy.deadLetterTargetArn);
      if (dlq) deadLetterQueues.add(dlq);
    }
  }

  for (const fn of asyncFunctions) {
    const config = (template.Resources[fn]?.Properties?.EventInvokeConfig ?? {}) as Json;
    const onFailure = isObject(config.DestinationConfig)
      ? (config.DestinationConfig.OnFailure as Json)
      : undefined;
    const dlq = onFailure ? target(onFailure.Destination) : undefined;
    if (dlq === undefined)
      findings.push({
        rule: 'no-on-failure-destination',
        path: `Resources.${fn}.Properties.EventInvokeConfig`,
        message: 'asynchronously invoked function without an on-failure destination',
      });
    else {
      deadLetterQueues.add(dlq);
      if (!functionMaySend(template, fn, dlq))
        findings.push({
          rule: 'destination-not-allowed',
          path: `Resources.${fn}.Properties.Policies`,
          message: `the function's role may not sqs:SendMessage to ${dlq}: Lambda could not record its failures`,
        });
    }
  }

  const alarmed = new Set(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.Namespace === 'AWS/SQS')
      .flatMap((r) => ((r.Properties?.Dimensions as Json[] | undefined) ?? []).map((d) => target(d.Value))),
  );
  const reported = new Set(
    Object.entries(template.Outputs ?? {})
      .filter(([name]) => name.endsWith('DeadLetterQueueUrl'))
      .map(([, output]) => target(output.Value)),
  );
  for (const dlq of [...deadLetterQueues].sort()) {
    if (!alarmed.has(dlq))
      findings.push({
        rule: 'dead-letter-queue-not-alarmed',
        path: `Resources.${dlq}`,
        message: 'no CloudWatch alarm on it',
      });
    if (!reported.has(dlq))
      findings.push({
        rule: 'dead-letter-queue-not-reported',
        path: `Resources.${dlq}`,
        message: 'no *DeadLetterQueueUrl output, so `stackdrop status` cannot read it',
      });
  }
  return findings;
}

/** The dead-letter queues of a template (from rule targets, destinations and redrive policies). */
export function deadLetterOutputs(template: CfnTemplate): string[] {
  return Object.keys(template.Outputs ?? {}).filter((name) => name.endsWith('DeadLetterQueueUrl'));
}
