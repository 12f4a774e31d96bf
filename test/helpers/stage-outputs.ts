import type { Stage } from '#shared/naming.ts';
import { ACCOUNT, REGION } from './fake-cloudformation.ts';

/** Outputs each stage's stack reports (docs/architecture.md "Outputs each stage passes forward"). */
export function stageOutputs(stage: Stage | undefined): Record<string, string> {
  switch (stage) {
    case 'network':
      return {
        VpcId: 'vpc-0a1b2c3d',
        VpcCidr: '10.40.0.0/16',
        AvailabilityZones: 'eu-west-1a,eu-west-1b',
        PublicSubnetIds: 'subnet-pub1,subnet-pub2',
        PrivateSubnetIds: 'subnet-prv1,subnet-prv2',
        IsolatedSubnetIds: 'subnet-iso1,subnet-iso2',
        AlbSecurityGroupId: 'sg-alb',
        AppSecurityGroupId: 'sg-app',
        DatabaseSecurityGroupId: 'sg-db',
        BastionSecurityGroupId: 'sg-bastion',
      };
    case 'database':
      return {
        ClusterIdentifier: 'acme-production',
        WriterEndpoint: 'acme-production.cluster-abc.eu-west-1.rds.amazonaws.com',
        ReaderEndpoint: 'acme-production.cluster-ro-abc.eu-west-1.rds.amazonaws.com',
        Port: '3306',
        SecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!cluster-abc-XyZ123`,
        DatabaseName: 'app',
        Engine: 'aurora-mysql',
      };
    case 'edge':
      return {
        ClusterName: 'acme-production',
        ClusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/acme-production`,
        RepositoryName: 'acme-production',
        RepositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/acme-production`,
        LoadBalancerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/acme/1`,
        LoadBalancerDnsName: 'acme-123.eu-west-1.elb.amazonaws.com',
        TargetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/acme/1`,
        Url: 'http://acme-123.eu-west-1.elb.amazonaws.com',
        AppBucketName: 'stackdrop-acme-production-app',
        QueueName: 'acme-production',
        QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/acme-production`,
        DeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/acme-production-dlq`,
        TaskRoleArn: `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-acme-production-edge-TaskRole`,
        ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-acme-production-edge-ExecutionRole`,
        LogGroupName: '/stackdrop/acme/production',
      };
    case 'app':
      return {
        WebServiceName: 'acme-production-web',
        WorkerServiceNames: 'acme-production-worker-default',
        SchedulerServiceName: 'acme-production-scheduler',
        WebTaskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/acme-production-web:1`,
        ReleaseTaskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/acme-production-release:1`,
        ImageUri: '',
      };
    default:
      return {};
  }
}
