import {
  isValidServerlessCacheName,
  SERVERLESS_MAJOR_VERSIONS,
  SERVERLESS_PORTS,
  serverlessVersion,
} from '#shared/aws-rules/elasticache.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * ElastiCache Serverless: caches created in a VPC's subnets behind security groups, `creating`
 * until they are ready on the virtual clock (`readyAfterMs`, from durations.ts), then `available`.
 * Rules and sources: shared/aws-rules/elasticache.ts. Read 2026-12-07:
 * - CreateServerlessCache / DescribeServerlessCaches / DeleteServerlessCache and their errors
 *   (ServerlessCacheAlreadyExistsFault, ServerlessCacheNotFoundFault 404,
 *   InvalidServerlessCacheStateFault, InvalidParameterValue, InvalidKMSKeyFault):
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteServerlessCache.html
 * - subnets of one VPC, in different availability zones (2 or 3 for Valkey and Redis OSS):
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-vpc.html
 * A cache holds one network interface in each of its subnets (ec2-network-interfaces.ts), so its
 * subnets and security groups cannot be deleted while it exists (DependencyViolation).
 */

type Tag = { Key: string; Value: string };
const TYPE = 'AWS::ElastiCache::ServerlessCache';
export type ServerlessCacheStatus = 'creating' | 'available' | 'deleting' | 'create-failed';

export interface ServerlessCache {
  ServerlessCacheName: string;
  ARN: string;
  Description: string;
  Engine: string;
  MajorEngineVersion: string;
  FullEngineVersion: string;
  KmsKeyId?: string;
  SecurityGroupIds: string[];
  SubnetIds: string[];
  Status: ServerlessCacheStatus;
  CreateTime: Date;
  Endpoint: { Address: string; Port: number };
  ReaderEndpoint: { Address: string; Port: number };
  tags: Tag[];
}

const invalid = (message: string) => new AwsError('InvalidParameterValue', message);
const notFound = (name: string) =>
  new AwsError('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`, { statusCode: 404 });

export class ElastiCacheModel {
  readonly caches = new Map<string, ServerlessCache>();
  readonly #cloud: LocalCloud;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  cache(name: string): ServerlessCache {
    const c = this.caches.get(name);
    if (!c) throw notFound(name);
    return c;
  }

  createServerlessCache(input: {
    ServerlessCacheName: string;
    Engine: string;
    MajorEngineVersion?: string;
    Description?: string;
    KmsKeyId?: string;
    SecurityGroupIds?: string[];
    SubnetIds?: string[];
    Tags?: Tag[];
    readyAfterMs?: number;
  }): ServerlessCache {
    const name = input.ServerlessCacheName ?? '';
    if (!isValidServerlessCacheName(name))
      throw invalid(
        'The serverless cache name must be 1-40 characters of lower-case letters, digits and hyphens, start with a letter, and contain no two consecutive hyphens nor end with one.',
      );
    if (this.caches.has(name))
      throw new AwsError('ServerlessCacheAlreadyExistsFault', `Serverless cache ${name} already exists.`);
    const engine = String(input.Engine ?? '').toLowerCase();
    if (!(engine in SERVERLESS_MAJOR_VERSIONS))
      throw invalid(
        `Engine ${input.Engine} is not supported for serverless caches. Supported: valkey, redis, memcached.`,
      );
    const version = serverlessVersion(engine, input.MajorEngineVersion);
    if (!version)
      throw invalid(
        `Major engine version ${input.MajorEngineVersion} is not supported for ${engine}. Supported: ${SERVERLESS_MAJOR_VERSIONS[engine as keyof typeof SERVERLESS_MAJOR_VERSIONS].map((r) => r.major).join(', ')}.`,
      );
    const ec2 = this.#cloud.ec2;
    const subnets = (input.SubnetIds ?? []).map((id) => {
      const s = ec2.subnets.get(id);
      if (!s) throw invalid(`The subnet ID ${id} does not exist`);
      return s;
    });
    if (new Set(subnets.map((s) => s.VpcId)).size > 1)
      throw invalid('The subnets of a serverless cache must all be in one VPC.');
    const zones = subnets.map((s) => s.AvailabilityZone);
    if (new Set(zones).size !== zones.length)
      throw invalid('The subnets of a serverless cache must each be in a different availability zone.');
    if (engine !== 'memcached' && subnets.length > 0 && (subnets.length < 2 || subnets.length > 3))
      throw invalid(`A ${engine} serverless cache needs 2 or 3 subnets; ${subnets.length} were given.`);
    const vpc = subnets[0]?.VpcId;
    for (const id of input.SecurityGroupIds ?? []) {
      const g = ec2.securityGroups.get(id);
      if (!g) throw invalid(`The security group ${id} does not exist`);
      if (vpc && g.VpcId !== vpc)
        throw invalid(`The security group ${id} is not in the VPC of the subnets (${vpc}).`);
    }
    if (input.KmsKeyId) {
      const problem = this.#cloud.kms.problem(input.KmsKeyId);
      if (problem)
        throw new AwsError(
          'InvalidKMSKeyFault',
          `The KMS key ${input.KmsKeyId} cannot be used: ${problem.message}`,
        );
    }
    const host = `${name}-${Math.random().toString(36).slice(2, 8)}.serverless.${this.#cloud.region.replaceAll('-', '').slice(0, 4)}.cache.amazonaws.com`;
    const cache: ServerlessCache = {
      ServerlessCacheName: name,
      ARN: this.#cloud.arn('elasticache', `serverlesscache:${name}`),
      Description: input.Description ?? '',
      Engine: engine,
      MajorEngineVersion: version.major,
      FullEngineVersion: version.full,
      KmsKeyId: input.KmsKeyId ? this.#cloud.kms.resolve(input.KmsKeyId).Arn : undefined,
      SecurityGroupIds: input.SecurityGroupIds ?? [],
      SubnetIds: input.SubnetIds ?? [],
      Status: 'creating',
      CreateTime: this.#cloud.clock.date(),
      Endpoint: { Address: host, Port: SERVERLESS_PORTS.primary },
      ReaderEndpoint: { Address: host, Port: SERVERLESS_PORTS.reader },
      tags: input.Tags ?? [],
    };
    this.caches.set(name, cache);
    const ready = () => {
      if (cache.Status === 'creating') cache.Status = 'available';
    };
    if ((input.readyAfterMs ?? 0) <= 0) ready();
    else this.#cloud.clock.setTimer(input.readyAfterMs!, ready);
    return cache;
  }

  /** DeleteServerlessCache: only an available (or failed) cache; it is gone after `goneAfterMs`. */
  deleteServerlessCache(input: { ServerlessCacheName: string; goneAfterMs?: number }): ServerlessCache {
    const cache = this.cache(input.ServerlessCacheName);
    if (cache.Status !== 'available' && cache.Status !== 'create-failed')
      throw new AwsError(
        'InvalidServerlessCacheStateFault',
        `Serverless cache ${cache.ServerlessCacheName} is not in available state (${cache.Status}).`,
      );
    cache.Status = 'deleting';
    const gone = () => {
      if (this.caches.get(cache.ServerlessCacheName) === cache) this.caches.delete(cache.ServerlessCacheName);
    };
    if ((input.goneAfterMs ?? 0) <= 0) gone();
    else this.#cloud.clock.setTimer(input.goneAfterMs!, gone);
    return cache;
  }

  view(c: ServerlessCache) {
    const { tags: _tags, ...rest } = c;
    return rest;
  }

  /** The wire definition registered under `elasticache` (awsQuery, 2015-02-02). */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsQuery',
      version: '2015-02-02',
      xmlNamespace: 'http://elasticache.amazonaws.com/doc/2015-02-02/',
      operations: {
        CreateServerlessCache: (input) => ({
          ServerlessCache: this.view(
            this.createServerlessCache({
              ...input,
              readyAfterMs: this.#cloud.durations.resource(TYPE, 'create'),
            }),
          ),
        }),
        DescribeServerlessCaches: (input) => ({
          ServerlessCaches: (input.ServerlessCacheName
            ? [this.cache(input.ServerlessCacheName)]
            : [...this.caches.values()]
          ).map((c) => this.view(c)),
        }),
        DeleteServerlessCache: (input) => ({
          ServerlessCache: this.view(
            this.deleteServerlessCache({
              ...input,
              goneAfterMs: this.#cloud.durations.resource(TYPE, 'delete'),
            }),
          ),
        }),
      },
    };
  }
}
