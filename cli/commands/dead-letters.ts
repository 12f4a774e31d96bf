import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_OUTPUTS } from '#shared/dead-letters.ts';
import type { Stackdrop } from '../stackdrop-stack.ts';
import type { Style } from '../ui.ts';

/** A stackdrop dead-letter queue holding messages (or one the caller cannot read). */
export interface DeadLetterProblem {
  queue: string;
  url: string;
  messages?: number;
  meaning: string;
  hint: string;
  error?: string;
}

/**
 * Reads ApproximateNumberOfMessages of each of stackdrop's DLQs named in the stack's outputs;
 * returns the non-empty ones. Nothing stackdrop drops goes unseen by `stackdrop status`.
 */
export async function readDeadLetters(sqs: SQSClient, stackdrop: Stackdrop): Promise<DeadLetterProblem[]> {
  const problems: DeadLetterProblem[] = [];
  for (const dlq of DEAD_LETTER_OUTPUTS) {
    const url = stackdrop.outputs[dlq.output];
    if (!url) continue;
    const base = { queue: dlq.label, url, meaning: dlq.meaning, hint: dlq.hint.replaceAll('<url>', url) };
    try {
      const out = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      const messages = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (messages > 0) problems.push({ ...base, messages });
    } catch (error) {
      problems.push({ ...base, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}

/** Lines that make a non-empty DLQ impossible to miss. */
export function formatDeadLetters(problems: DeadLetterProblem[], style: Style): string[] {
  if (problems.length === 0) return [];
  const lines = ['', style.red(style.bold('Problems'))];
  for (const p of problems) {
    if (p.error !== undefined) {
      lines.push(style.yellow(`  ? ${p.queue}: cannot read it (${p.error})`));
      continue;
    }
    lines.push(
      style.red(`  ! ${p.queue} holds ${p.messages} message${p.messages === 1 ? '' : 's'}: ${p.meaning}`),
      `    hint: ${p.hint}`,
    );
  }
  return lines;
}
