import { ec2, s3 } from '#shared/aws.ts';
import { listBastions } from '#shared/bastion/list.ts';
import { requiredEnv } from '#shared/env.ts';

const bucket = requiredEnv('STATE_BUCKET');

/** Lambda Invoke: `{project, environment}`. */
export const handler = (event: unknown) => listBastions(event, { ec2, s3, now: () => new Date(), bucket });
