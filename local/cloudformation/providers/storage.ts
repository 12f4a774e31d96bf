import { tagMap } from './ec2.ts';
import { generatedName, genericAttributes } from './generic.ts';
import type { ProviderRequest, ResourceProvider } from './types.ts';

const SQS_ATTRIBUTES = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoQueue',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

function queueAttributes(properties: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SQS_ATTRIBUTES) {
    const value = properties[name];
    if (value === undefined) continue;
    out[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

const queue: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
    const name =
      typeof p.QueueName === 'string'
        ? p.QueueName
        : `${generatedName(request.stackName, request.logicalId, { max: fifo ? 75 : 80 })}${fifo ? '.fifo' : ''}`;
    const q = request.cloud.sqs.createQueue(name, queueAttributes(p), tagMap(request));
    const url = request.cloud.sqs.queueUrl(q.name);
    return { physicalId: url, attributes: { Arn: q.arn, QueueName: q.name, QueueUrl: url } };
  },
  update(request) {
    const attributes = queueAttributes(request.properties);
    delete attributes.FifoQueue;
    request.cloud.sqs.setQueueAttributes(request.physicalId, attributes);
    request.cloud.sqs.queue(request.physicalId).tags = tagMap(request);
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    request.cloud.sqs.deleteQueue(request.physicalId);
  },
};

function bucketOptions(properties: Record<string, unknown>) {
  const versioning = properties.VersioningConfiguration as { Status?: string } | undefined;
  const notification = properties.NotificationConfiguration as
    | { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean | string } }
    | undefined;
  const eventBridge = notification?.EventBridgeConfiguration?.EventBridgeEnabled;
  return {
    versioning: versioning?.Status === 'Enabled',
    eventBridge:
      eventBridge === undefined
        ? notification?.EventBridgeConfiguration !== undefined
        : eventBridge === true || eventBridge === 'true',
  };
}

function bucketAttributes(request: ProviderRequest, name: string): Record<string, unknown> {
  const region = request.cloud.region;
  return {
    ...genericAttributes(request, name),
    Arn: `arn:aws:s3:::${name}`,
    BucketName: name,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
  };
}

const bucket: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const name =
      typeof p.BucketName === 'string'
        ? p.BucketName
        : generatedName(request.stackName, request.logicalId, { max: 63, lowercase: true });
    request.cloud.s3.createBucket(name, { ...bucketOptions(p), tags: tagMap(request) });
    return { physicalId: name, attributes: bucketAttributes(request, name) };
  },
  update(request) {
    const b = request.cloud.s3.bucket(request.physicalId);
    const options = bucketOptions(request.properties);
    if (options.versioning) b.versioning = 'Enabled';
    else if (b.versioning === 'Enabled') b.versioning = 'Suspended';
    b.eventBridge = options.eventBridge;
    b.tags = tagMap(request);
    return { physicalId: request.physicalId, attributes: bucketAttributes(request, request.physicalId) };
  },
  delete(request) {
    // CloudFormation never empties a bucket: a non-empty bucket fails to delete.
    request.cloud.s3.deleteBucket(request.physicalId);
  },
};

/** Providers backed by the SQS and S3 models. */
export const storageProviders: Record<string, ResourceProvider> = {
  'AWS::SQS::Queue': queue,
  'AWS::S3::Bucket': bucket,
};
