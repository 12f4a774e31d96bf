import {
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  type Filter,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, type GetObjectCommandInput, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';

/**
 * In-memory EC2 and S3 behind aws-sdk-client-mock, for reaper tests and the reaper benchmark:
 * DescribeInstances / DescribeSecurityGroups honour the filters the reaper uses and page like EC2
 * (a token walks a snapshot of the matching ids), TerminateInstances reports each instance's
 * previous state and fails the whole call for an unknown id, DeleteSecurityGroup refuses a group an
 * instance still uses, and S3 PutObject honours If-Match / If-None-Match like the real service.
 */

export interface FakeInstance {
  InstanceId: string;
  state: string;
  Tags: Tag[];
  groups?: string[];
  LaunchTime?: Date;
  PublicIpAddress?: string;
}

class AwsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status = 400) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the stub's input/output types vary per command.
type AnyStub = AwsStub<any, any, any>;

export class FakeEc2 {
  readonly instances = new Map<string, FakeInstance>();
  readonly groups = new Map<string, { GroupId: string; Tags: Tag[] }>();
  pageSize = 1000;
  /** Ids whose presence makes a whole TerminateInstances call fail, as an IAM condition would. */
  readonly unauthorized = new Set<string>();
  /** Runs after each DescribeInstances page is built (to model the world changing under a listing). */
  afterList: (() => void) | undefined;
  /** Yield to the event loop inside each call so concurrent callers interleave as over a network. */
  yieldEachCall = true;
  private snapshots = new Map<string, string[]>();
  private nextSnapshot = 0;

  add(...instances: FakeInstance[]): this {
    for (const instance of instances) this.instances.set(instance.InstanceId, structuredClone(instance));
    return this;
  }

  addGroup(GroupId: string, Tags: Tag[]): this {
    this.groups.set(GroupId, { GroupId, Tags });
    return this;
  }

  state(id: string): string | undefined {
    return this.instances.get(id)?.state;
  }

  install(mock: AnyStub): void {
    mock.on(DescribeInstancesCommand).callsFake((input) => this.call(() => this.describeInstances(input)));
    mock
      .on(TerminateInstancesCommand)
      .callsFake((input) => this.call(() => this.terminate(input.InstanceIds)));
    mock.on(DescribeSecurityGroupsCommand).callsFake((input) => this.call(() => this.describeGroups(input)));
    mock
      .on(DeleteSecurityGroupCommand)
      .callsFake((input) => this.call(() => this.deleteGroup(input.GroupId)));
  }

  private async call<T>(fn: () => T): Promise<T> {
    if (this.yieldEachCall) await new Promise((resolve) => setImmediate(resolve));
    return fn();
  }

  private page<T>(ids: string[], token: string | undefined, max: number | undefined, get: (id: string) => T) {
    const size = Math.min(max ?? this.pageSize, this.pageSize);
    let snapshot: string[];
    let offset = 0;
    if (token) {
      const [key, at] = token.split(':');
      snapshot = this.snapshots.get(key!)!;
      offset = Number(at);
    } else {
      snapshot = ids;
    }
    const items = snapshot.slice(offset, offset + size).map(get);
    let next: string | undefined;
    if (offset + size < snapshot.length) {
      const key = token?.split(':')[0] ?? String(this.nextSnapshot++);
      this.snapshots.set(key, snapshot);
      next = `${key}:${offset + size}`;
    }
    return { items, next };
  }

  private describeInstances(input: DescribeInstancesCommandInput) {
    const page = this.listInstances(input);
    this.afterList?.();
    return page;
  }

  private listInstances(input: DescribeInstancesCommandInput) {
    if (input.InstanceIds) {
      const missing = input.InstanceIds.find((id) => !this.instances.has(id));
      if (missing)
        throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing}' does not exist`);
    }
    const ids = [...this.instances.values()]
      .filter((i) => !input.InstanceIds || input.InstanceIds.includes(i.InstanceId))
      .filter((i) => matches(i.Tags, input.Filters, i.state))
      .map((i) => i.InstanceId)
      .sort();
    const { items, next } = this.page(ids, input.NextToken, input.MaxResults, (id) => {
      const i = this.instances.get(id)!;
      return {
        InstanceId: i.InstanceId,
        State: { Name: i.state },
        Tags: structuredClone(i.Tags),
        SecurityGroups: (i.groups ?? []).map((GroupId) => ({ GroupId })),
        ...(i.LaunchTime ? { LaunchTime: i.LaunchTime } : {}),
        ...(i.PublicIpAddress ? { PublicIpAddress: i.PublicIpAddress } : {}),
      };
    });
    // EC2 packs instances into reservations; one each is the common case for RunInstances(1).
    return { Reservations: items.map((instance) => ({ Instances: [instance] })), NextToken: next };
  }

  private terminate(ids: string[] = []) {
    const missing = ids.find((id) => !this.instances.has(id));
    if (missing)
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing}' does not exist`);
    const denied = ids.find((id) => this.unauthorized.has(id));
    if (denied)
      throw new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation on ${denied}`,
        403,
      );
    return {
      TerminatingInstances: ids.map((id) => {
        const instance = this.instances.get(id)!;
        const previous = instance.state;
        if (previous !== 'terminated') instance.state = 'shutting-down';
        return {
          InstanceId: id,
          PreviousState: { Name: previous },
          CurrentState: { Name: instance.state },
        };
      }),
    };
  }

  private describeGroups(input: DescribeSecurityGroupsCommandInput) {
    const ids = [...this.groups.values()]
      .filter((g) => matches(g.Tags, input.Filters))
      .map((g) => g.GroupId)
      .sort();
    const { items, next } = this.page(ids, input.NextToken, input.MaxResults, (id) => {
      const g = this.groups.get(id)!;
      return { GroupId: g.GroupId, Tags: structuredClone(g.Tags) };
    });
    return { SecurityGroups: items, NextToken: next };
  }

  private deleteGroup(id: string | undefined) {
    if (!id || !this.groups.has(id))
      throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    const user = [...this.instances.values()].find(
      (i) => i.state !== 'terminated' && (i.groups ?? []).includes(id),
    );
    if (user) throw new AwsError('DependencyViolation', `resource ${id} has a dependent object`);
    this.groups.delete(id);
    return {};
  }
}

function matches(tags: Tag[], filters: Filter[] | undefined, state?: string): boolean {
  return (filters ?? []).every((filter) => {
    const values = filter.Values ?? [];
    if (filter.Name === 'instance-state-name') return state !== undefined && values.includes(state);
    if (filter.Name === 'tag-key') return tags.some((t) => values.includes(t.Key ?? ''));
    if (filter.Name?.startsWith('tag:')) {
      const key = filter.Name.slice(4);
      return tags.some((t) => t.Key === key && values.includes(t.Value ?? ''));
    }
    throw new Error(`FakeEc2 does not understand filter ${filter.Name}`);
  });
}

/** An S3 bucket of one version per key with ETags and conditional writes. */
export class FakeS3 {
  readonly objects = new Map<string, { body: string; etag: string }>();
  puts = 0;
  private counter = 0;

  put(key: string, body: string): void {
    this.objects.set(key, { body, etag: `"etag-${++this.counter}"` });
  }

  json(key: string): unknown {
    const object = this.objects.get(key);
    return object ? JSON.parse(object.body) : undefined;
  }

  install(mock: AnyStub): void {
    mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
      await new Promise((resolve) => setImmediate(resolve));
      const object = this.objects.get(input.Key!);
      if (!object) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
      return { Body: { transformToString: async () => object.body }, ETag: object.etag };
    });
    mock.on(PutObjectCommand).callsFake(async (input) => {
      await new Promise((resolve) => setImmediate(resolve));
      const current = this.objects.get(input.Key!);
      if (input.IfNoneMatch === '*' && current) throw new AwsError('PreconditionFailed', 'exists', 412);
      if (input.IfMatch && current?.etag !== input.IfMatch) {
        throw new AwsError(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          412,
        );
      }
      this.puts++;
      this.put(input.Key!, String(input.Body));
      return { ETag: this.objects.get(input.Key!)!.etag };
    });
  }
}
