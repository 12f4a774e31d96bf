import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.ts';
import { type ClockHold, type ClockSpeed, VirtualClock } from './clock.ts';
import { type CloudFormationEngine, installCloudFormation } from './cloudformation/index.ts';
import { Durations, type ResourceDurations, type ServiceDurations } from './durations.ts';
import { AwsError } from './errors.ts';
import { EventBus } from './events/bus.ts';
import { Faults } from './faults.ts';
import type { ProtocolKind } from './iam/errors.ts';
import type { AuthorizationCheck } from './iam/evaluate.ts';
import { checksFor, Iam, s3Checks } from './iam/index.ts';
import {
  jsonErrorBody,
  matchRoute,
  type RestRoute,
  readRestJsonInput,
  restRoutes,
  toJsonValue,
  writeRestJsonOutput,
} from './protocols/json.ts';
import {
  awsQueryError,
  awsQueryResponse,
  ec2QueryError,
  ec2QueryResponse,
  type QueryFlavour,
  readQueryInput,
} from './protocols/query.ts';
import { loadSdk, operationSchemas, sdkPackages } from './protocols/schemas.ts';
import { holdOf } from './runtime/caller.ts';
import { AcmModel } from './services/acm.ts';
import { AutoScalingModel } from './services/autoscaling.ts';
import { CloudWatchModel } from './services/cloudwatch.ts';
import { SimulatedContainers } from './services/containers.ts';
import { Ec2Model } from './services/ec2.ts';
import { EcrModel } from './services/ecr.ts';
import { EcsModel } from './services/ecs.ts';
import { EdgeServicesModel } from './services/edge-services.ts';
import { ElastiCacheModel } from './services/elasticache.ts';
import { Elbv2Model } from './services/elbv2.ts';
import { eventBridgeService } from './services/eventbridge.ts';
import { iamService } from './services/iam.ts';
import { KmsModel } from './services/kms.ts';
import { LogsModel } from './services/logs.ts';
import { pricingService } from './services/pricing.ts';
import { ServiceQuotasModel } from './services/quotas.ts';
import { RdsModel } from './services/rds.ts';
import { Route53Model } from './services/route53.ts';
import { route53Service } from './services/route53-api.ts';
import { S3Model } from './services/s3.ts';
import { SchedulerModel } from './services/scheduler.ts';
import { SecretsManagerModel } from './services/secretsmanager.ts';
import { SqsModel } from './services/sqs.ts';
import { SsmModel } from './services/ssm.ts';
import { stsService } from './services/sts.ts';

export type Protocol = 'awsQuery' | 'ec2Query' | 'awsJson1_0' | 'awsJson1_1' | 'restJson' | 'restXml';

/** A request as the service handlers see it. */
export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What keeps the instant clock still while the request is served (absent for in-process calls). */
  hold?: ClockHold;
}

export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What an operation handler gets besides its input. */
export interface RequestContext {
  cloud: LocalCloud;
  /** SigV4 signing name of the service, e.g. `cloudformation`. */
  service: string;
  operation: string;
  requestId: string;
  region: string;
  accountId: string;
  http: HttpRequest;
}

// biome-ignore lint/suspicious/noExplicitAny: inputs are shaped by the SDK schema of each operation.
export type OperationHandler = (input: any, ctx: RequestContext) => unknown;

/**
 * How a service is served. For awsQuery / ec2Query / awsJson / restJson the protocol layer
 * parses each request into the SDK's input object and renders the handler's return value (the
 * SDK's output object) or thrown `AwsError` in the protocol's envelope. restXml services (S3)
 * handle raw HTTP through `http`.
 */
export interface ServiceDefinition {
  protocol: Protocol;
  /** SDK v3 package whose schemas describe the operations (default: by signing name). */
  sdkPackage?: string;
  /** awsQuery `Version` and XML namespace of responses. */
  version?: string;
  xmlNamespace?: string;
  /** awsJson `X-Amz-Target` prefix (used to route unsigned requests). */
  targetPrefix?: string;
  operations: Record<string, OperationHandler>;
  /** A JSON service that also accepts the awsQuery form (SQS). */
  queryFallback?: { version: string; xmlNamespace: string };
  /** Raw handler for restXml services. */
  http?: (req: HttpRequest, ctx: RequestContext) => Promise<HttpResponse> | HttpResponse;
  /** IAM checks of a raw restXml request (default: S3's). */
  checks?: (req: HttpRequest) => AuthorizationCheck[];
}

export interface LocalCloudOptions {
  region?: string;
  accountId?: string;
  /** Clock speed: 0 = manual (advance only), N = N× real time, 'instant' = jump when idle. */
  speed?: ClockSpeed;
  /** Virtual start time (default: now). */
  startTime?: number | Date;
  /** Instant clock: real milliseconds of quiet before time jumps to the next timer (default 3). */
  instantIdleMs?: number;
  durations?: { resources?: Record<string, Partial<ResourceDurations>>; service?: Partial<ServiceDurations> };
  /** Service quota values by code or name (`{ 'L-F678F1CE': 10 }`); AWS's defaults otherwise. */
  quotas?: Record<string, number>;
  /** IAM enforcement of calls made with a role (default on; docs/local-cloud.md "IAM enforcement"). */
  iam?: { enforce?: boolean };
}

/** The whole offline AWS: clock, faults, event bus, service models and the protocol front end. */
export class LocalCloud {
  readonly region: string;
  readonly accountId: string;
  /** Base URL clients use (set by startLocalCloud; used in SQS queue URLs). */
  endpoint = 'http://127.0.0.1:4566';
  readonly clock: VirtualClock;
  readonly faults = new Faults();
  readonly durations: Durations;
  readonly eventBus: EventBus;
  readonly s3: S3Model;
  readonly sqs: SqsModel;
  readonly ec2: Ec2Model;
  readonly ecs: EcsModel;
  readonly ecr: EcrModel;
  readonly rds: RdsModel;
  readonly elbv2: Elbv2Model;
  readonly ssm: SsmModel;
  readonly secretsManager: SecretsManagerModel;
  readonly scheduler: SchedulerModel;
  readonly quotas: ServiceQuotasModel;
  readonly logs: LogsModel;
  /** What the ECS tasks' containers print and serve (logs and metrics read it). */
  readonly containers: SimulatedContainers;
  readonly cloudwatch: CloudWatchModel;
  readonly autoScaling: AutoScalingModel;
  /** Roles, role sessions and the evaluation of every call a role makes (local/iam/). */
  readonly iam: Iam;
  /** ACM: certificates issued through DNS validation (local/services/acm.ts). */
  readonly acm: AcmModel;
  /** Route 53 public hosted zones and record sets (local/services/route53.ts). */
  readonly route53: Route53Model;
  /**
   * CloudFront distributions and AWS WAF web ACLs for CloudFormation (local/services/edge-services.ts);
   * the same model under both names, so IAM sees `cloudfront:` and `wafv2:` actions.
   */
  readonly cloudfront: EdgeServicesModel;
  readonly wafv2: EdgeServicesModel;
  /** KMS keys, key states and the cryptographic operations consumers need (local/services/kms.ts). */
  readonly kms: KmsModel;
  /** ElastiCache Serverless caches (local/services/elasticache.ts). */
  readonly elastiCache: ElastiCacheModel;
  /** The CloudFormation engine, served under the `cloudformation` signing name. */
  readonly cloudformation: CloudFormationEngine;
  readonly #services = new Map<string, ServiceDefinition>();
  readonly #routes = new Map<string, RestRoute[]>();

  constructor(options: LocalCloudOptions = {}) {
    this.region = options.region ?? 'eu-west-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = new VirtualClock({
      speed: options.speed ?? 0,
      start: options.startTime,
      idleMs: options.instantIdleMs,
    });
    this.durations = new Durations(options.durations);
    this.iam = new Iam({
      accountId: this.accountId,
      region: this.region,
      enforce: options.iam?.enforce,
      now: () => this.clock.now(),
    });
    this.eventBus = new EventBus(this);
    this.quotas = new ServiceQuotasModel(this, options.quotas);
    this.route53 = new Route53Model(this);
    this.cloudfront = new EdgeServicesModel(this);
    this.wafv2 = this.cloudfront;
    this.acm = new AcmModel(this);
    this.kms = new KmsModel(this);
    this.elastiCache = new ElastiCacheModel(this);
    this.s3 = new S3Model(this);
    this.sqs = new SqsModel(this);
    this.ec2 = new Ec2Model(this);
    this.ecs = new EcsModel(this);
    this.ecr = new EcrModel(this);
    this.rds = new RdsModel(this);
    this.elbv2 = new Elbv2Model(this);
    this.ssm = new SsmModel(this);
    this.secretsManager = new SecretsManagerModel(this);
    this.scheduler = new SchedulerModel(this);
    this.logs = new LogsModel(this);
    this.containers = new SimulatedContainers(this);
    this.cloudwatch = new CloudWatchModel(this);
    this.autoScaling = new AutoScalingModel(this);
    this.registerService('s3', this.s3.definition());
    this.registerService('sqs', this.sqs.definition());
    this.registerService('ec2', this.ec2.definition());
    this.registerService('ecs', this.ecs.definition());
    this.registerService('ecr', this.ecr.definition());
    this.registerService('rds', this.rds.definition());
    this.registerService('elasticloadbalancing', this.elbv2.definition());
    this.registerService('ssm', this.ssm.definition());
    this.registerService('secretsmanager', this.secretsManager.definition());
    this.registerService('scheduler', this.scheduler.definition());
    this.registerService('logs', this.logs.definition());
    this.registerService('monitoring', this.cloudwatch.definition());
    this.registerService('application-autoscaling', this.autoScaling.definition());
    this.registerService('events', eventBridgeService(this.eventBus));
    this.registerService('sts', stsService(this));
    this.registerService('iam', iamService(this));
    this.registerService('servicequotas', this.quotas.definition());
    this.registerService('acm', this.acm.definition());
    this.registerService('route53', route53Service(this.route53));
    this.registerService('kms', this.kms.definition());
    this.registerService('elasticache', this.elastiCache.definition());
    this.registerService('pricing', pricingService());
    this.cloudformation = installCloudFormation(this);
  }

  /** Serves a service under its SigV4 signing name (replaces an earlier registration). */
  registerService(signingName: string, definition: ServiceDefinition): void {
    this.#services.set(signingName, definition);
    this.#routes.delete(signingName);
  }

  /** The definition registered for a signing name. */
  service(signingName: string): ServiceDefinition | undefined {
    return this.#services.get(signingName);
  }

  /**
   * The principal ARN behind a request's signature: the role of the role session whose access key
   * signed it (a function's execution role, a state machine's, one assumed with STS), else the
   * local user. One mechanism for every caller, as on AWS, where the signature names the caller.
   */
  principalOf(req: HttpRequest): string {
    return this.iam.sessionOf(req)?.roleArn ?? `arn:aws:iam::${this.accountId}:user/local`;
  }

  /** `arn:aws:<service>:<region>:<account>:<resource>` for this cloud. */
  arn(service: string, resource: string, options: { region?: string; account?: string } = {}): string {
    return `arn:aws:${service}:${options.region ?? this.region}:${options.account ?? this.accountId}:${resource}`;
  }

  /** Answers one HTTP request (the server calls this; tests may too). */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    const requestId = randomUUID();
    if (req.path.startsWith('/_local/')) return handleAdmin(this, req);
    const signingName = signingNameOf(req) ?? this.#guessService(req);
    const def = this.#services.get(signingName);
    if (!def) {
      return {
        statusCode: 400,
        headers: { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId },
        body: jsonErrorBody(
          'UnrecognizedClientException',
          `The local cloud does not serve "${signingName}".`,
        ),
      };
    }
    const ctx: RequestContext = {
      cloud: this,
      service: signingName,
      operation: '',
      requestId,
      region: this.region,
      accountId: this.accountId,
      http: req,
    };
    const contentType = String(req.headers['content-type'] ?? '');
    if (def.queryFallback && contentType.startsWith('application/x-www-form-urlencoded')) {
      return this.#handleQuery({ ...def, ...def.queryFallback, protocol: 'awsQuery' }, 'awsQuery', req, ctx);
    }
    switch (def.protocol) {
      case 'awsQuery':
        return this.#handleQuery(def, 'awsQuery', req, ctx);
      case 'ec2Query':
        return this.#handleQuery(def, 'ec2Query', req, ctx);
      case 'awsJson1_0':
      case 'awsJson1_1':
        return this.#handleJson(def, req, ctx);
      case 'restJson':
        return this.#handleRestJson(def, req, ctx);
      case 'restXml':
        return this.#handleRaw(def, req, ctx);
    }
  }

  /** Routes an unsigned request: X-Amz-Target prefix, then a query API's Version / Action, else S3. */
  #guessService(req: HttpRequest): string {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const prefix = target.split('.')[0];
      for (const [name, def] of this.#services) if (def.targetPrefix === prefix) return name;
    }
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      const params = new URLSearchParams(req.body.toString('utf8'));
      const version = params.get('Version');
      const action = params.get('Action') ?? '';
      const byVersion = [...this.#services].filter(
        ([, def]) => version && (def.version === version || def.queryFallback?.version === version),
      );
      const byAction = (byVersion.length ? byVersion : [...this.#services]).filter(
        ([, def]) => def.operations[action],
      );
      if (byAction.length > 0) return byAction[0]![0];
    }
    return 's3';
  }

  #throttle(ctx: RequestContext, flavour: Protocol): void {
    if (!this.faults.takeThrottle(ctx.service, ctx.operation)) return;
    const message = 'Rate exceeded';
    if (ctx.service === 's3')
      throw new AwsError('SlowDown', 'Please reduce your request rate.', { statusCode: 503 });
    if (flavour === 'ec2Query')
      throw new AwsError('RequestLimitExceeded', 'Request limit exceeded.', { statusCode: 503 });
    if (flavour === 'awsQuery') throw new AwsError('Throttling', message, { statusCode: 400 });
    throw new AwsError('ThrottlingException', message, { statusCode: 400 });
  }

  async #handleQuery(
    def: ServiceDefinition,
    flavour: QueryFlavour,
    req: HttpRequest,
    ctx: RequestContext,
  ): Promise<HttpResponse> {
    const params = new URLSearchParams(req.body.toString('utf8'));
    for (const [k, v] of req.query) if (!params.has(k)) params.set(k, v);
    const operation = params.get('Action') ?? '';
    ctx.operation = operation;
    const ns = def.xmlNamespace ?? '';
    const headers = { 'Content-Type': 'text/xml', 'x-amzn-RequestId': ctx.requestId };
    try {
      const handler = def.operations[operation];
      const sdk = await loadSdk(def.sdkPackage ?? sdkPackages[ctx.service] ?? '');
      const schemas = operationSchemas(sdk, operation);
      if (!handler || !schemas) {
        throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
      }
      this.#throttle(ctx, flavour);
      const input = readQueryInput(schemas.input, params, flavour);
      await this.#authorize(ctx, input, flavour);
      if (flavour === 'ec2Query' && input.DryRun === true) {
        // EC2 checks permissions (above) and answers without acting.
        throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', {
          statusCode: 412,
        });
      }
      const output = await handler(input, ctx);
      const body =
        flavour === 'ec2Query'
          ? ec2QueryResponse(operation, schemas.output, output, ns, ctx.requestId)
          : awsQueryResponse(operation, schemas.output, output, ns, ctx.requestId);
      return { statusCode: 200, headers, body };
    } catch (error) {
      const e = asAwsError(error);
      const body =
        flavour === 'ec2Query'
          ? ec2QueryError(e.code, e.message, ctx.requestId)
          : awsQueryError(e.queryCode ?? e.code, e.message, e.senderFault, ctx.requestId, ns);
      return { statusCode: e.statusCode, headers, body };
    }
  }

  async #handleJson(def: ServiceDefinition, req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.lastIndexOf('.') + 1);
    ctx.operation = operation;
    const contentType =
      def.protocol === 'awsJson1_0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    try {
      const handler = def.operations[operation];
      if (!handler) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
      this.#throttle(ctx, def.protocol);
      let input: unknown;
      try {
        input = req.body.length ? JSON.parse(req.body.toString('utf8')) : {};
      } catch {
        throw new AwsError('SerializationException', 'Malformed JSON body');
      }
      await this.#authorize(ctx, input, 'awsJson');
      const output = await handler(input, ctx);
      return {
        statusCode: 200,
        headers: { 'Content-Type': contentType, 'x-amzn-RequestId': ctx.requestId },
        body: JSON.stringify(toJsonValue(output ?? {})),
      };
    } catch (error) {
      const e = asAwsError(error);
      const headers: Record<string, string> = {
        'Content-Type': contentType,
        'x-amzn-RequestId': ctx.requestId,
        'x-amzn-ErrorType': e.code,
      };
      if (e.queryCode)
        headers['x-amzn-query-error'] = `${e.queryCode};${e.senderFault ? 'Sender' : 'Receiver'}`;
      return { statusCode: e.statusCode, headers, body: jsonErrorBody(e.code, e.message, e.fields) };
    }
  }

  async #handleRestJson(
    def: ServiceDefinition,
    req: HttpRequest,
    ctx: RequestContext,
  ): Promise<HttpResponse> {
    try {
      const sdk = await loadSdk(def.sdkPackage ?? sdkPackages[ctx.service] ?? '');
      let routes = this.#routes.get(ctx.service);
      if (!routes) {
        routes = restRoutes(sdk).filter((r) => def.operations[r.operation]);
        this.#routes.set(ctx.service, routes);
      }
      const match = matchRoute(routes, req.method, req.path, req.query);
      if (!match)
        throw new AwsError('UnknownOperationException', `No operation for ${req.method} ${req.path}`);
      ctx.operation = match.route.operation;
      const schemas = operationSchemas(sdk, ctx.operation)!;
      this.#throttle(ctx, 'restJson');
      const input = readRestJsonInput(schemas.input, match.labels, req.query, req.headers, req.body);
      await this.#authorize(ctx, input, 'restJson');
      const output = (await def.operations[ctx.operation]!(input, ctx)) as
        | Record<string, unknown>
        | undefined;
      const res = writeRestJsonOutput(schemas.output, output, match.route.successCode);
      return { ...res, headers: { ...res.headers, 'x-amzn-RequestId': ctx.requestId } };
    } catch (error) {
      const e = asAwsError(error);
      return {
        statusCode: e.statusCode,
        headers: {
          'Content-Type': 'application/json',
          'x-amzn-RequestId': ctx.requestId,
          'x-amzn-ErrorType': e.code,
        },
        body: JSON.stringify({ message: e.message, ...e.fields }),
      };
    }
  }

  async #handleRaw(def: ServiceDefinition, req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
    if (!def.http) throw new Error(`service ${ctx.service} has no http handler`);
    const session = this.iam.enforce ? this.iam.sessionOf(req) : undefined;
    if (!session) return def.http(req, ctx);
    const checks = def.checks ? def.checks(req) : s3Checks(req);
    try {
      await this.iam.authorize(session, checks, { service: ctx.service, protocol: 'restXml' });
    } catch (error) {
      return s3Error(asAwsError(error), ctx.requestId, req.method);
    }
    const response = await def.http(req, ctx);
    const read = checks[0];
    if (response.statusCode === 404 && read && /^s3:GetObject(Version)?$/.test(read.action)) {
      // Without s3:ListBucket, S3 answers a missing key with 403 AccessDenied, not 404
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, read 2026-12-07).
      const bucketArn = read.resource.slice(0, read.resource.indexOf('/'));
      try {
        await this.iam.authorize(session, [{ action: 's3:ListBucket', resource: bucketArn, context: {} }], {
          service: ctx.service,
          protocol: 'restXml',
        });
      } catch (error) {
        return s3Error(asAwsError(error), ctx.requestId, req.method);
      }
    }
    return response;
  }

  /** Evaluates a parsed request against the calling role's policies (requests of the admin pass). */
  async #authorize(ctx: RequestContext, input: unknown, protocol: ProtocolKind): Promise<void> {
    if (!this.iam.enforce) return;
    const session = this.iam.sessionOf(ctx.http);
    if (!session) return;
    const checks = checksFor(this, ctx.service, ctx.operation, input);
    await this.iam.authorize(session, checks, { service: ctx.service, protocol });
  }
}

function s3Error(e: AwsError, requestId: string, method: string): HttpResponse {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${e.message.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;')}</Message><RequestId>${requestId}</RequestId></Error>`;
  return {
    statusCode: e.statusCode,
    headers: { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId },
    body: method === 'HEAD' ? '' : body,
  };
}

/** Wraps anything thrown by a handler as an AwsError (unexpected ones become 500s). */
export function asAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(`local cloud internal error: ${error instanceof Error ? error.stack : message}`);
  return new AwsError('InternalFailure', message, { statusCode: 500 });
}

/** The access key id a request is signed with (`Credential=<key>/<date>/...`). */
export function accessKeyOf(req: HttpRequest): string | undefined {
  const auth = req.headers.authorization;
  const credential =
    (typeof auth === 'string' ? /Credential=([^,\s]+)/.exec(auth)?.[1] : undefined) ??
    req.query.get('X-Amz-Credential') ??
    undefined;
  return credential?.split('/')[0];
}

/** The SigV4 signing name of a request (`Credential=.../<date>/<region>/<service>/aws4_request`). */
export function signingNameOf(req: HttpRequest): string | undefined {
  const auth = req.headers.authorization;
  const credential =
    (typeof auth === 'string' ? /Credential=([^,\s]+)/.exec(auth)?.[1] : undefined) ??
    req.query.get('X-Amz-Credential') ??
    undefined;
  return credential?.split('/')[3];
}

export interface RunningLocalCloud {
  /** `http://127.0.0.1:<port>` — use as AWS_ENDPOINT_URL / --endpoint-url. */
  endpoint: string;
  port: number;
  cloud: LocalCloud;
  stop(): Promise<void>;
}

/** Starts the local cloud's HTTP server on 127.0.0.1 (port 0 = any free port). */
export async function startLocalCloud(
  options: LocalCloudOptions & { port?: number; host?: string } = {},
): Promise<RunningLocalCloud> {
  const cloud = new LocalCloud(options);
  const server = createServer((req, res) => void serve(cloud, req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  cloud.endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    cloud,
    stop: async () => {
      cloud.clock.dispose();
      cloud.eventBus.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(cloud: LocalCloud, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hold = cloud.clock.hold();
  hold.linked = holdOf(req.headers);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const response = await cloud.handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: decodeAwsChunked(req.headers, Buffer.concat(chunks)),
      hold,
    });
    const body = response.body ?? '';
    res.writeHead(response.statusCode, {
      'Content-Length': String(Buffer.byteLength(body)),
      ...response.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const e = asAwsError(error);
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(jsonErrorBody(e.code, e.message));
  } finally {
    hold.end();
  }
}

/** S3 clients may stream bodies with `aws-chunked` encoding (checksums in trailers). */
function decodeAwsChunked(headers: IncomingHttpHeaders, body: Buffer): Buffer {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  if (!encoding.includes('aws-chunked') && !sha.startsWith('STREAMING-')) return body;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
