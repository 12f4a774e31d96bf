import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/** STS GetCallerIdentity: the local account and a fixed local principal. */
export function stsService(cloud: LocalCloud): ServiceDefinition {
  return {
    protocol: 'awsQuery',
    version: '2011-06-15',
    xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: {
      GetCallerIdentity: () => ({
        UserId: 'AIDALOCALCLOUDUSER0000',
        Account: cloud.accountId,
        Arn: `arn:aws:iam::${cloud.accountId}:user/local`,
      }),
    },
  };
}
