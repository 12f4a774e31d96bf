import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, type Task } from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '#shared/image-platform.ts';
import type { StatusDocument } from '#shared/status.ts';
import { withHold } from './caller.ts';
import type { LocalStackdrop } from './index.ts';

/** Fake credentials: the local cloud accepts any signature, AWS would accept none of these. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export interface StackProgress {
  stage: string;
  stackName: string;
  status: string;
  complete: number;
  total: number;
}

/**
 * A user's view of an offline stackdrop: everything goes over HTTP with the real SDK clients,
 * through the same entry points as on AWS (S3 uploads, ECR pushes, Lambda invokes), never into
 * the state machine directly.
 */
export class LocalSession {
  readonly sd: LocalStackdrop;
  readonly s3: S3Client;
  readonly ecr: ECRClient;
  readonly cfn: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly ecs: ECSClient;
  readonly bucket: string;
  /** Stack events read so far, per stack name, oldest first. */
  readonly #events = new Map<string, StackEvent[]>();

  constructor(sd: LocalStackdrop) {
    this.sd = sd;
    const config = {
      endpoint: sd.endpoint,
      region: sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    };
    this.s3 = new S3Client({ ...config, forcePathStyle: true });
    this.ecr = new ECRClient(config);
    this.cfn = new CloudFormationClient(config);
    this.lambda = new LambdaClient(config);
    this.ecs = new ECSClient(config);
    this.bucket = sd.outputs.BucketName!;
  }

  /** Virtual time now (epoch ms). */
  now(): number {
    return this.sd.cloud.clock.now();
  }

  /**
   * Runs a user action with the clock held still, so that it lands at the current virtual time
   * (an instant clock would otherwise jump ahead while the request travels).
   */
  async act<T>(fn: () => Promise<T>): Promise<T> {
    const hold = this.sd.cloud.clock.hold();
    try {
      return await withHold(hold, fn);
    } finally {
      hold.end();
    }
  }

  /** Uploads a manifest as `manifests/<project>-<environment>.yaml` (what `stackdrop deploy` does). */
  async dropManifest(text: string, key: string): Promise<string | undefined> {
    const out = await this.act(() =>
      this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'application/yaml' }),
      ),
    );
    return out.VersionId;
  }

  /** The project's status document, or undefined before stackdrop wrote one. */
  async status(project: string, environment: string): Promise<StatusDocument | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `status/${project}-${environment}.json` }),
      );
      return JSON.parse(await out.Body!.transformToString()) as StatusDocument;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /**
   * Polls the status document (every `intervalMs` real ms) until `done` holds; calls `onChange`
   * with each new document. Fails after `timeoutMs` real ms: a guard against a story that never
   * ends, generous because a provisioning on a busy 2-core machine can take a minute of real time
   * (tests bound their own time with vitest's timeouts).
   */
  async waitForStatus(
    project: string,
    environment: string,
    done: (doc: StatusDocument) => boolean,
    options: {
      timeoutMs?: number;
      intervalMs?: number;
      onPoll?: (doc: StatusDocument | undefined) => Promise<void> | void;
    } = {},
  ): Promise<StatusDocument> {
    const deadline = performance.now() + (options.timeoutMs ?? 150_000);
    let doc: StatusDocument | undefined;
    let read: string | undefined;
    for (;;) {
      // A GetObject costs milliseconds of CPU (signing, IAM, XML): read again only when the
      // document may have changed, which its version in the cloud's store tells for nothing.
      const version = this.#statusVersion(project, environment);
      if (version === undefined || version !== read) {
        doc = await this.status(project, environment);
        read = version;
      }
      await options.onPoll?.(doc);
      if (doc && done(doc)) return doc;
      if (performance.now() > deadline) {
        throw new Error(
          `timed out waiting for ${project}-${environment}; last status: ${JSON.stringify(doc)?.slice(0, 600)}`,
        );
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
    }
  }

  /** The status document's current version in the cloud's S3 store (`absent`), or undefined if unknown. */
  #statusVersion(project: string, environment: string): string | undefined {
    try {
      const key = `status/${project}-${environment}.json`;
      return this.sd.cloud.s3.currentObject(this.bucket, key)?.sequencer ?? 'absent';
    } catch {
      return undefined;
    }
  }

  /**
   * Pushes an image (a new manifest, so a new digest) with a tag, as `docker buildx build
   * --platform <platforms> --push` does: one image manifest per platform by digest, then the OCI
   * image index naming them with their platform, tagged (ECR emits a push event for each; only the
   * tagged one deploys). Returns the index's digest.
   */
  async pushImage(
    repository: string,
    tag: string,
    label = String(this.now()),
    /** Compressed bytes of the image's layers: what each Fargate task pulls (0 = an empty image). */
    imageBytes = 0,
    /** The platforms the image is built for (`linux/amd64`, `linux/arm64`). */
    platforms: string[] = ['linux/amd64'],
  ): Promise<string> {
    const entries = [];
    for (const platform of platforms) {
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${createHash('sha256').update(`${label}:${platform}:config`).digest('hex')}`,
          size: 2,
        },
        layers:
          imageBytes > 0
            ? [
                {
                  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
                  digest: `sha256:${createHash('sha256').update(`${label}:${platform}:${imageBytes}`).digest('hex')}`,
                  size: imageBytes,
                },
              ]
            : [],
        annotations: { 'org.opencontainers.image.revision': label },
      });
      const child = await this.act(() =>
        this.ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: manifest })),
      );
      const [os, architecture, variant] = platform.split('/');
      entries.push({
        mediaType: OCI_IMAGE_MANIFEST,
        digest: child.image!.imageId!.imageDigest!,
        size: Buffer.byteLength(manifest),
        platform: { architecture, os, ...(variant ? { variant } : {}) },
      });
    }
    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: entries });
    const out = await this.act(() =>
      this.ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: index, imageTag: tag })),
    );
    return out.image!.imageId!.imageDigest!;
  }

  /** Invokes one of stackdrop's functions by its logical id (what the CLI does for bastions). */
  async invoke<T>(
    logicalId: string,
    payload: unknown,
  ): Promise<{ result?: T; error?: { errorType: string; errorMessage: string } }> {
    const fn = this.sd.plan.functions.find((f) => f.logicalId === logicalId);
    if (!fn) throw new Error(`no function ${logicalId} in the template`);
    const out = await this.act(() =>
      this.lambda.send(
        new InvokeCommand({ FunctionName: fn.name, Payload: Buffer.from(JSON.stringify(payload)) }),
      ),
    );
    const body = JSON.parse(
      Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null',
    ) as unknown;
    if (out.FunctionError) return { error: body as { errorType: string; errorMessage: string } };
    return { result: body as T };
  }

  /** Resource counts of a stack (complete / total), from DescribeStackResources. */
  async stackProgress(stage: string, stackName: string): Promise<StackProgress | undefined> {
    try {
      const [stacks, resources] = await Promise.all([
        this.cfn.send(new DescribeStacksCommand({ StackName: stackName })),
        this.cfn.send(new DescribeStackResourcesCommand({ StackName: stackName })),
      ]);
      const list = resources.StackResources ?? [];
      return {
        stage,
        stackName,
        status: stacks.Stacks?.[0]?.StackStatus ?? 'UNKNOWN',
        complete: list.filter((r) => /_COMPLETE$/.test(r.ResourceStatus ?? '')).length,
        total: list.length,
      };
    } catch (error) {
      if ((error as Error).name === 'ValidationError') return undefined;
      throw error;
    }
  }

  /**
   * Every event of a stack so far, oldest first, from DescribeStackEvents (newest first, paged):
   * reads only the pages newer than what an earlier call saw.
   */
  async stackEvents(stackName: string): Promise<StackEvent[]> {
    const known = this.#events.get(stackName) ?? [];
    const seen = new Set(known.map((e) => e.EventId));
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    do {
      const page = await this.cfn.send(
        new DescribeStackEventsCommand({ StackName: stackName, NextToken: token }),
      );
      const events = page.StackEvents ?? [];
      const newer = events.filter((e) => !seen.has(e.EventId));
      fresh.push(...newer);
      token = newer.length === events.length ? page.NextToken : undefined;
    } while (token);
    const all = [...known, ...fresh.reverse()];
    this.#events.set(stackName, all);
    return all;
  }

  /** An ECS task (the release task of a deploy), or undefined when ECS does not know it. */
  async task(cluster: string, taskArn: string): Promise<Task | undefined> {
    const out = await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    return out.tasks?.[0];
  }

  /** When ECS created a service deployment (undefined when the service or deployment is gone). */
  async deploymentCreatedAt(
    cluster: string,
    service: string,
    deploymentId: string,
  ): Promise<Date | undefined> {
    const out = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    return out.services?.[0]?.deployments?.find((d) => d.id === deploymentId)?.createdAt;
  }

  destroy(): void {
    for (const c of [this.s3, this.ecr, this.cfn, this.lambda, this.ecs]) c.destroy();
  }
}
