import { cfn, ec2, events, s3, ssm } from '#shared/aws.ts';
import { openBastion } from '#shared/bastion/open.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';

const bucket = requiredEnv('STATE_BUCKET');
const instanceProfileArn = requiredEnv('BASTION_INSTANCE_PROFILE_ARN');
const region = requiredEnv('AWS_REGION');

/** Lambda Invoke: `{project, environment, ttlMinutes, access, sshPublicKey?, callerCidr, openedBy?}`. */
export const handler = (event: unknown) =>
  openBastion(event, {
    ec2,
    ssm,
    s3,
    cfn,
    events,
    logger,
    now: () => new Date(),
    bucket,
    instanceProfileArn,
    region,
  });
