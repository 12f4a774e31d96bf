import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { BatchGetImageCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import {
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

/** Mocks of the preflight's read-only clients answering as an account with room for a project. */
export function preflightMocks() {
  const mocks = {
    rds: mockClient(RDSClient),
    acm: mockClient(ACMClient),
    secretsManager: mockClient(SecretsManagerClient),
    ssm: mockClient(SSMClient),
    quotas: mockClient(ServiceQuotasClient),
    ec2: mockClient(EC2Client),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    ecr: mockClient(ECRClient),
    route53: mockClient(Route53Client),
    iam: mockClient(IAMClient),
    sts: mockClient(STSClient),
    ecs: mockClient(ECSClient),
  };
  const healthy = () => {
    for (const m of Object.values(mocks)) m.reset();
    mocks.rds.on(DescribeDBEngineVersionsCommand).callsFake((input) => ({
      DBEngineVersions: [{ Engine: input.Engine, EngineVersion: input.EngineVersion }],
    }));
    mocks.rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({ OrderableDBInstanceOptions: [{}] });
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    mocks.acm.on(DescribeCertificateCommand).resolves({ Certificate: { Status: 'ISSUED', DomainName: '*' } });
    mocks.secretsManager.on(DescribeSecretCommand).resolves({});
    mocks.ssm.on(GetParameterCommand).resolves({});
    mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [] });
    mocks.ecs.on(ListClustersCommand).resolves({ clusterArns: [] });
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
    mocks.iam.on(SimulateCustomPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'secretsmanager:GetSecretValue', EvalDecision: 'allowed' }],
    });
    mocks.quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 100 } });
    mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    mocks.ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    mocks.ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
    mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    mocks.route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    const missing = () => Object.assign(new Error('not found'), { name: 'RepositoryNotFoundException' });
    mocks.ecr.on(DescribeRepositoriesCommand).rejects(missing());
    mocks.ecr.on(BatchGetImageCommand).rejects(missing());
  };
  return { ...mocks, healthy };
}
