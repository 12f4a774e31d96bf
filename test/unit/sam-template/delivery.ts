import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import type { Finding } from '#test/unit/templates/audit.ts';

/**
 * "Nothing dropped silently" as code (issue #13, finding 5): every EventBridge rule target and
 * schedule retries and dead-letters, every asynchronously invoked function has an on-failure
 * destination, and every dead-letter queue is alarmed and named in an output `stackdrop status`
 * reads (`*DeadLetterQueueUrl`).
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

export function auditDelivery(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  const deadLetterQueues = new Set<string>();
  const asyncFunctions = new Set<string>();
  const requireDelivery = (path: string, props: Json) => {
    if (!isObject(props.RetryPolicy))
      findings.push({ rule: 'no-retry-policy', path, message: 'rule target without a RetryPolicy' });
    const dlq = isObject(props.DeadLetterConfig) ? target(props.DeadLetterConfig.Arn) : undefined;
    if (dlq === undefined)
      findings.push({
        rule: 'no-dead-letter-queue',
        path,
        message: 'rule target without a DeadLetterConfig queue',
      });
    else deadLetterQueues.add(dlq);
  };

  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = (resource.Properties ?? {}) as Json;
    if (resource.Type === 'AWS::Events::Rule') {
      for (const [i, t] of ((props.Targets as Json[] | undefined) ?? []).entries()) {
        requireDelivery(`Resources.${id}.Properties.Targets[${i}]`, t);
        const fn = target(t.Arn);
        if (fn && template.Resources[fn]?.Type === 'AWS::Serverless::Function') asyncFunctions.add(fn);
      }
    }
    if (resource.Type === 'AWS::Serverless::Function' || resource.Type === 'AWS::Serverless::StateMachine') {
      for (const [name, event] of Object.entries((props.Events as Record<string, Json> | undefined) ?? {})) {
        if (!ASYNC_EVENT_TYPES.has(String(event.Type))) continue;
        requireDelivery(`Resources.${id}.Properties.Events.${name}`, (event.Properties ?? {}) as Json);
        if (resource.Type === 'AWS::Serverless::Function') asyncFunctions.add(id);
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
    else deadLetterQueues.add(dlq);
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
