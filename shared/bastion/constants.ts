/** Fixed choices for stackdrop bastions; each is also what the IAM conditions in template.yaml expect. */

export const BASTION_INSTANCE_TYPE = 't4g.nano';

/** Public SSM parameter AWS keeps pointed at the newest Amazon Linux 2023 arm64 AMI. */
export const BASTION_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

/** Amazon Linux 2023's root device. */
export const BASTION_ROOT_DEVICE = '/dev/xvda';
export const BASTION_ROOT_VOLUME_GIB = 8;

/** The login user of Amazon Linux. */
export const BASTION_SSH_USER = 'ec2-user';

/**
 * The instance powers itself off this long after its expiry. The reaper (every 5 minutes) is the
 * first line and records the expiry; the timer is the fallback if the reaper cannot run, so it
 * must not win the race in the normal case.
 */
export const SELF_SHUTDOWN_GRACE_MINUTES = 10;

/** Instances per TerminateInstances call (the API takes far more; small batches keep a bad id cheap). */
export const TERMINATE_BATCH_SIZE = 50;

/** Instance states the reaper and the listing consider live. */
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

/** Marks the per-bastion security group (one port-22 rule from the caller's /32) of an ssh bastion. */
export const TAG_ROLE = 'stackdrop:role';
export const ROLE_BASTION = 'bastion';
export const ROLE_BASTION_ACCESS = 'bastion-access';
/** On an ssh bastion: the id of its per-bastion security group. */
export const TAG_ACCESS_GROUP = 'stackdrop:access-group';
/** On a bastion: how it is reached (ssm | ssh). */
export const TAG_ACCESS = 'stackdrop:access';
