/**
 * Simulated durations, in virtual milliseconds, taken from published AWS figures
 * (/work/shared/reference/aws-facts.md "Typical durations"). The CloudFormation engine reads
 * `resourceDuration()`; the service models read `serviceDurations`. Both can be overridden per
 * cloud through `startLocalCloud({ durations })`.
 */
export interface ResourceDurations {
  create: number;
  update: number;
  delete: number;
}

const s = 1000;
const min = 60 * s;

/** Per CloudFormation resource type. Types not listed take `defaultResourceDurations`. */
export const resourceDurations: Record<string, ResourceDurations> = {
  'AWS::EC2::VPC': { create: 5 * s, update: 3 * s, delete: 3 * s },
  'AWS::EC2::Subnet': { create: 16 * s, update: 5 * s, delete: 5 * s },
  'AWS::EC2::InternetGateway': { create: 5 * s, update: 2 * s, delete: 3 * s },
  'AWS::EC2::VPCGatewayAttachment': { create: 15 * s, update: 15 * s, delete: 10 * s },
  'AWS::EC2::RouteTable': { create: 5 * s, update: 2 * s, delete: 3 * s },
  'AWS::EC2::Route': { create: 5 * s, update: 5 * s, delete: 3 * s },
  'AWS::EC2::SubnetRouteTableAssociation': { create: 3 * s, update: 3 * s, delete: 3 * s },
  'AWS::EC2::EIP': { create: 5 * s, update: 2 * s, delete: 5 * s },
  'AWS::EC2::NatGateway': { create: 110 * s, update: 5 * s, delete: 60 * s },
  'AWS::EC2::VPCEndpoint': { create: 10 * s, update: 10 * s, delete: 10 * s },
  'AWS::EC2::SecurityGroup': { create: 5 * s, update: 3 * s, delete: 5 * s },
  'AWS::EC2::SecurityGroupIngress': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::EC2::SecurityGroupEgress': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::EC2::FlowLog': { create: 10 * s, update: 5 * s, delete: 5 * s },
  'AWS::EC2::Instance': { create: 30 * s, update: 30 * s, delete: 40 * s },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { create: 150 * s, update: 10 * s, delete: 20 * s },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::ElasticLoadBalancingV2::Listener': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::ElasticLoadBalancingV2::ListenerRule': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::RDS::DBSubnetGroup': { create: 3 * s, update: 3 * s, delete: 3 * s },
  'AWS::RDS::DBClusterParameterGroup': { create: 3 * s, update: 3 * s, delete: 3 * s },
  'AWS::RDS::DBParameterGroup': { create: 3 * s, update: 3 * s, delete: 3 * s },
  // Aurora: cluster ~3 min, instances (in parallel) ~11 min → 12–20 min in all; delete ~13 min.
  'AWS::RDS::DBCluster': { create: 3 * min, update: 2 * min, delete: 4 * min },
  'AWS::RDS::DBInstance': { create: 11 * min, update: 5 * min, delete: 9 * min },
  'AWS::ECS::Cluster': { create: 5 * s, update: 3 * s, delete: 5 * s },
  'AWS::ECS::TaskDefinition': { create: 2 * s, update: 2 * s, delete: 2 * s },
  // Service to steady with ALB health checks: 2.5 min+ (default checks), often 7–8.5 min.
  'AWS::ECS::Service': { create: 150 * s, update: 150 * s, delete: 60 * s },
  'AWS::ECR::Repository': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::S3::Bucket': { create: 3 * s, update: 3 * s, delete: 3 * s },
  'AWS::SQS::Queue': { create: 2 * s, update: 2 * s, delete: 60 * s },
  'AWS::IAM::Role': { create: 10 * s, update: 5 * s, delete: 5 * s },
  'AWS::IAM::Policy': { create: 10 * s, update: 5 * s, delete: 5 * s },
  // "Create a cache in under a minute" (ElastiCache Serverless launch, shared/aws-rules/elasticache.ts);
  // delete is not published: taken as the same.
  'AWS::ElastiCache::ServerlessCache': { create: 60 * s, update: 10 * s, delete: 60 * s },
  'AWS::KMS::Key': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::Logs::LogGroup': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::SecretsManager::Secret': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::ApplicationAutoScaling::ScalableTarget': { create: 5 * s, update: 5 * s, delete: 5 * s },
  'AWS::ApplicationAutoScaling::ScalingPolicy': { create: 3 * s, update: 3 * s, delete: 3 * s },
  'AWS::CloudWatch::Alarm': { create: 2 * s, update: 2 * s, delete: 2 * s },
  // The RequestCertificate call itself; issuance waits for DNS validation (acmDnsValidation below).
  'AWS::CertificateManager::Certificate': { create: 5 * s, update: 5 * s, delete: 10 * s },
  // Route 53 changes reach every name server "generally within 60 seconds" and CloudFormation waits
  // for INSYNC (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html).
  'AWS::Route53::RecordSet': { create: 60 * s, update: 60 * s, delete: 60 * s },
  'AWS::WAFv2::WebACL': { create: 5 * s, update: 5 * s, delete: 5 * s },
  'AWS::WAFv2::WebACLAssociation': { create: 30 * s, update: 30 * s, delete: 10 * s },
  'AWS::CloudFront::CachePolicy': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::CloudFront::OriginRequestPolicy': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::CloudFront::OriginAccessControl': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::CloudFront::Distribution': { create: 5 * min, update: 5 * min, delete: 5 * min },
  'AWS::Lambda::Function': { create: 5 * s, update: 5 * s, delete: 3 * s },
  'AWS::Events::Rule': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::StepFunctions::StateMachine': { create: 2 * s, update: 2 * s, delete: 2 * s },
  'AWS::CloudFormation::Stack': { create: 1 * s, update: 1 * s, delete: 1 * s },
};

export const defaultResourceDurations: ResourceDurations = { create: 2 * s, update: 2 * s, delete: 2 * s };

/** Durations of service-level behaviour (not tied to a CloudFormation resource). */
export const serviceDurations = {
  /** EC2 instance pending → running. */
  instanceStart: 15 * s,
  /** EC2 instance shutting-down → terminated. */
  instanceTerminate: 30 * s,
  /** How long a terminated instance stays visible in DescribeInstances. */
  terminatedVisible: 60 * min,
  /**
   * ECS service deployments are not a flat duration: local/services/ecs-rollout.ts times them from
   * the service's own settings (batches, target group health checks and deregistration delay,
   * grace period) and the task timings below.
   * A deployment with nothing to start or drain still takes this long to report COMPLETED.
   */
  ecsSteadyState: 10 * s,
  /**
   * ECS task PROVISIONING → RUNNING before the image pull: Fargate capacity and the task's network
   * interface. "It is normal for new AWS Fargate tasks to take 30-45 seconds or longer to start"
   * (AWS re:Post), most of it the pull; a 413 MB PHP image measured 53–62 s without SOCI
   * (elasticscale.com/blog/reduce-aws-fargate-pull-times-with-soci, 2024) = ~20 s + 413 MB at
   * ~12 MB/s. Fargate caches no image: every task pulls the whole image, and "the time it takes to
   * pull the images is directly correlated to the time taken to start" the task
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html).
   */
  ecsTaskStart: 20 * s,
  /** Image pull rate on Fargate, bytes of compressed layers (ECR's imageSizeInBytes) per second. */
  ecsImagePullBytesPerSecond: 12_000_000,
  /** RUNNING → the app answers its load balancer health check (Laravel: `artisan optimize`, php-fpm, nginx). */
  ecsAppBoot: 5 * s,
  /** SIGTERM → STOPPED for a task no load balancer still drains (graceful exit, network interface released). */
  ecsTaskStop: 5 * s,
  /** ECS RunTask: RUNNING → STOPPED (the task's own work, e.g. a migration). */
  ecsTaskRun: 45 * s,
  /**
   * ACM DNS validation: PENDING_VALIDATION → ISSUED once the validation CNAME is in the zone.
   * Observed 1.5–9 min, occasionally more (reference/aws-facts.md); ACM gives up after 72 hours
   * (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
   */
  acmDnsValidation: 3 * min,
  /** ACM: PENDING_VALIDATION → VALIDATION_TIMED_OUT without the records (72 hours). */
  acmValidationTimeout: 72 * 60 * min,
  /** Route 53 change PENDING → INSYNC ("generally within 60 seconds", ChangeResourceRecordSets). */
  route53Propagation: 60 * s,
  /** RDS DB instance (outside CloudFormation) creating → available. */
  rdsInstance: 11 * min,
} as const;

export type ServiceDurations = { -readonly [K in keyof typeof serviceDurations]: number };

/** Durations one cloud uses: the defaults above merged with overrides. */
export class Durations {
  readonly resources: Record<string, ResourceDurations>;
  readonly service: ServiceDurations;

  constructor(
    overrides: {
      resources?: Record<string, Partial<ResourceDurations>>;
      service?: Partial<ServiceDurations>;
    } = {},
  ) {
    this.resources = { ...resourceDurations };
    for (const [type, d] of Object.entries(overrides.resources ?? {})) {
      this.resources[type] = { ...(this.resources[type] ?? defaultResourceDurations), ...d };
    }
    this.service = { ...serviceDurations, ...overrides.service };
  }

  /** Simulated time for a CloudFormation resource operation. */
  resource(type: string, action: keyof ResourceDurations): number {
    return (this.resources[type] ?? defaultResourceDurations)[action];
  }
}
