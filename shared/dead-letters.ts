/**
 * stackdrop's dead-letter queues, by the template.yaml output naming each, with what a message in
 * it means and what to do. `stackdrop status` reads them (test/unit/sam-template/delivery.test.ts
 * keeps this list equal to template.yaml's `*DeadLetterQueueUrl` outputs).
 */
export interface DeadLetterQueue {
  output: 'EventDeadLetterQueueUrl' | 'DeployDeadLetterQueueUrl' | 'DeployIntakeDeadLetterQueueUrl';
  label: string;
  meaning: string;
  hint: string;
}

export const DEAD_LETTER_OUTPUTS: DeadLetterQueue[] = [
  {
    output: 'EventDeadLetterQueueUrl',
    label: 'event DLQ',
    meaning:
      'events stackdrop could not deliver or process: a manifest upload that started no provisioning, a stack status change or a scheduled run that failed',
    hint: 'read them with `aws sqs receive-message --queue-url <url> --attribute-names All --message-attribute-names All` (ERROR_CODE and RULE_ARN say why); fix the cause, then re-upload the manifest with `stackdrop deploy` and delete the messages',
  },
  {
    output: 'DeployDeadLetterQueueUrl',
    label: 'deploy DLQ',
    meaning: 'pushes roll-service could not deploy after 5 attempts',
    hint: 'see `stackdrop deploys <project>` and the roll-service logs; push again (or `stackdrop rollback`) once fixed, then delete the messages',
  },
  {
    output: 'DeployIntakeDeadLetterQueueUrl',
    label: 'push intake DLQ',
    meaning: 'ECR pushes that never reached the deploy queue',
    hint: 'read them with `aws sqs receive-message --queue-url <url> --message-attribute-names All`; push the image again once the cause is fixed, then delete the messages',
  },
];
