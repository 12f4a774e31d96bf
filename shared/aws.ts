import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * Every AWS client, built once at module scope. Endpoints come from the SDK's own settings
 * (AWS_ENDPOINT_URL points all of them at the local cloud). Each is marked pure so that esbuild
 * drops the clients a function does not import.
 */
const common = { maxAttempts: 5 } as const;

export const cfn = /* @__PURE__ */ new CloudFormationClient(common);
export const ec2 = /* @__PURE__ */ new EC2Client(common);
export const ecr = /* @__PURE__ */ new ECRClient(common);
export const ecs = /* @__PURE__ */ new ECSClient(common);
export const elbv2 = /* @__PURE__ */ new ElasticLoadBalancingV2Client(common);
export const events = /* @__PURE__ */ new EventBridgeClient(common);
export const lambda = /* @__PURE__ */ new LambdaClient(common);
export const rds = /* @__PURE__ */ new RDSClient(common);
// The local cloud serves S3 path-style only; AWS itself is reached virtual-hosted as usual.
// (Options built apart so the constructor call stays pure and esbuild can drop an unused S3 client.)
const s3Options = { ...common, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) };
export const s3 = /* @__PURE__ */ new S3Client(s3Options);
// Route 53 is global: its endpoint is the same whatever the function's Region.
export const route53 = /* @__PURE__ */ new Route53Client(common);
export const scheduler = /* @__PURE__ */ new SchedulerClient(common);
export const secrets = /* @__PURE__ */ new SecretsManagerClient(common);
export const sfn = /* @__PURE__ */ new SFNClient(common);
export const sqs = /* @__PURE__ */ new SQSClient(common);
export const ssm = /* @__PURE__ */ new SSMClient(common);
