import {
  effectiveTier,
  type ParameterTier,
  parameterNameProblem,
  SSM_DESCRIBE_FILTER_OPTIONS,
  SSM_DESCRIBE_MAX_RESULTS,
  SSM_MAX_HIERARCHY_LEVELS,
  SSM_MAX_VALUE,
} from '#shared/aws-rules/ssm.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

type Tag = { Key: string; Value: string };

export interface Parameter {
  Name: string;
  Type: 'String' | 'StringList' | 'SecureString';
  Value: string;
  Version: number;
  LastModifiedDate: Date;
  DataType: string;
  ARN: string;
  Tier: 'Standard' | 'Advanced';
  Description?: string;
  KeyId?: string;
  AllowedPattern?: string;
  Tags: Tag[];
  /** Earlier versions (oldest first), for `name:version` selectors. */
  history: Array<Pick<Parameter, 'Value' | 'Version' | 'LastModifiedDate' | 'Type'>>;
}

/** The public AMI parameters stackdrop reads (stable fake image ids). */
export const PUBLIC_AMI_PARAMETERS: Record<string, string> = {
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64': 'ami-0a2b3c4d5e6f70819',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64': 'ami-0f1e2d3c4b5a69788',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64': 'ami-0a2b3c4d5e6f70819',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64': 'ami-0f1e2d3c4b5a69788',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64': 'ami-0b3c4d5e6f7081920',
};

const validation = (message: string) => new AwsError('ValidationException', message);
const NAME_RULES =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/**
 * SSM Parameter Store: the public AMI parameters plus parameters you put, with AWS's name rules,
 * tier value sizes, versions and DescribeParameters (rules: shared/aws-rules/ssm.ts).
 */
export class SsmModel {
  readonly #cloud: LocalCloud;
  readonly parameters = new Map<string, Parameter>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    for (const [name, value] of Object.entries(PUBLIC_AMI_PARAMETERS)) {
      this.parameters.set(name, {
        Name: name,
        Type: 'String',
        Value: value,
        Version: 1,
        LastModifiedDate: cloud.clock.date(),
        DataType: 'aws:ec2:image',
        ARN: `arn:aws:ssm:${cloud.region}::parameter${name}`,
        Tier: 'Standard',
        Tags: [],
        history: [],
      });
    }
  }

  putParameter(input: {
    Name: string;
    Value: string;
    Type?: Parameter['Type'];
    Overwrite?: boolean;
    DataType?: string;
    Tier?: ParameterTier;
    Description?: string;
    KeyId?: string;
    AllowedPattern?: string;
    Tags?: Tag[];
  }): Parameter {
    checkName(input.Name);
    if (typeof input.Value !== 'string' || input.Value.length === 0) {
      throw validation(
        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (existing && input.Tags?.length) {
      throw validation('Invalid parameter combination: tags and overwrite. Use AddTagsToResource instead.');
    }
    if (!existing && !input.Type) {
      throw validation('A parameter type is required when you create a parameter.');
    }
    // The account's default tier is Standard; Intelligent-Tiering upgrades only when it must.
    const tier = effectiveTier(input.Tier ?? existing?.Tier ?? 'Standard', input.Value);
    const length = [...input.Value].length;
    if (length > SSM_MAX_VALUE.Advanced) {
      throw validation(
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${SSM_MAX_VALUE.Advanced}`,
      );
    }
    if (tier === 'Standard' && length > SSM_MAX_VALUE.Standard) {
      throw validation(
        'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
      );
    }
    if (existing?.Tier === 'Advanced' && tier === 'Standard') {
      throw validation(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    if (input.AllowedPattern && !new RegExp(input.AllowedPattern).test(input.Value)) {
      throw new AwsError(
        'ParameterPatternMismatchException',
        `Parameter value, cannot be validated against allowedPattern: ${input.AllowedPattern}`,
      );
    }
    const type = input.Type ?? existing!.Type;
    const p: Parameter = {
      Name: input.Name,
      Type: type,
      Value: input.Value,
      Version: (existing?.Version ?? 0) + 1,
      LastModifiedDate: this.#cloud.clock.date(),
      DataType: input.DataType ?? existing?.DataType ?? 'text',
      ARN: this.#cloud.arn('ssm', `parameter${input.Name.startsWith('/') ? '' : '/'}${input.Name}`),
      Tier: tier,
      Description: input.Description ?? existing?.Description,
      KeyId: type === 'SecureString' ? (input.KeyId ?? existing?.KeyId ?? 'alias/aws/ssm') : undefined,
      AllowedPattern: input.AllowedPattern ?? existing?.AllowedPattern,
      Tags: existing?.Tags ?? [...(input.Tags ?? [])],
      history: existing
        ? [
            ...existing.history,
            {
              Value: existing.Value,
              Version: existing.Version,
              LastModifiedDate: existing.LastModifiedDate,
              Type: existing.Type,
            },
          ]
        : [],
    };
    this.parameters.set(p.Name, p);
    return p;
  }

  /** A parameter by name, `name:version` or ARN; ParameterNotFound / ParameterVersionNotFound. */
  getParameter(ref: string): Parameter {
    const name = ref.startsWith('arn:') ? `/${ref.split(':parameter/')[1] ?? ''}` : ref;
    const [base = '', selector] = name.split(':');
    const p =
      this.parameters.get(base) ?? (ref.startsWith('arn:') ? this.parameters.get(base.slice(1)) : undefined);
    if (!p) throw new AwsError('ParameterNotFound', '');
    if (selector === undefined || !/^\d+$/.test(selector)) return p;
    const version = Number(selector);
    if (version === p.Version) return p;
    const old = p.history.find((h) => h.Version === version);
    if (!old) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${version} of ${base}. Verify the version and try again.`,
      );
    }
    return { ...p, ...old };
  }

  deleteParameter(name: string): void {
    if (!this.parameters.has(name)) throw new AwsError('ParameterNotFound', '');
    this.parameters.delete(name);
  }

  /** DescribeParameters: the account's own parameters (never the public ones), filtered, paged. */
  describeParameters(input: {
    ParameterFilters?: Array<{ Key: string; Option?: string; Values?: string[] }>;
    Filters?: Array<{ Key: string; Values: string[] }>;
    MaxResults?: number;
    NextToken?: string;
  }) {
    const filters = [
      ...(input.Filters ?? []).map((f) => ({ Key: f.Key, Option: 'Equals', Values: f.Values })),
      ...(input.ParameterFilters ?? []),
    ];
    for (const f of filters) {
      const key = f.Key.startsWith('tag:') ? 'tag' : f.Key;
      const options = SSM_DESCRIBE_FILTER_OPTIONS[key];
      if (!options)
        throw new AwsError('InvalidFilterKey', `The following filter key is not valid: ${f.Key}.`);
      const option = f.Option ?? (key === 'Path' ? 'OneLevel' : 'Equals');
      if (!options.includes(option)) {
        throw new AwsError(
          'InvalidFilterOption',
          `The filter option is not valid. Valid options are ${options.join(', ')}. For Path filter, valid options are Recursive, OneLevel.`,
        );
      }
      if (
        key === 'Path' &&
        (f.Values ?? []).some((v) => !v.startsWith('/') || v.split('/').length - 1 > SSM_MAX_HIERARCHY_LEVELS)
      ) {
        throw new AwsError(
          'InvalidFilterValue',
          'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
        );
      }
    }
    const max = input.MaxResults ?? SSM_DESCRIBE_MAX_RESULTS;
    if (!Number.isInteger(max) || max < 1 || max > SSM_DESCRIBE_MAX_RESULTS) {
      throw validation(
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${SSM_DESCRIBE_MAX_RESULTS}`,
      );
    }
    const matching = [...this.parameters.values()]
      .filter((p) => !p.Name.startsWith('/aws/'))
      .filter((p) => filters.every((f) => matchesFilter(p, f)))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    let start = 0;
    if (input.NextToken !== undefined) {
      start = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8').replace(/^ssm:/, ''));
      if (!input.NextToken || !Number.isInteger(start) || start < 0) {
        throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
      }
    }
    const page = matching.slice(start, start + max);
    const next =
      start + max < matching.length ? Buffer.from(`ssm:${start + max}`).toString('base64url') : undefined;
    return {
      Parameters: page.map((p) => ({
        Name: p.Name,
        ARN: p.ARN,
        Type: p.Type,
        KeyId: p.KeyId,
        LastModifiedDate: p.LastModifiedDate,
        LastModifiedUser: `arn:aws:iam::${this.#cloud.accountId}:user/local`,
        Description: p.Description,
        AllowedPattern: p.AllowedPattern,
        Version: p.Version,
        Tier: p.Tier,
        Policies: [],
        DataType: p.DataType,
      })),
      NextToken: next,
    };
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    const view = (p: Parameter) => ({
      Name: p.Name,
      Type: p.Type,
      Value: p.Value,
      Version: p.Version,
      LastModifiedDate: p.LastModifiedDate,
      ARN: p.ARN,
      DataType: p.DataType,
    });
    const tagged = (input: { ResourceType?: string; ResourceId?: string }) => {
      if (input.ResourceType !== 'Parameter') {
        throw new AwsError('InvalidResourceType', 'The resource type is not valid.');
      }
      const p = this.parameters.get(String(input.ResourceId));
      if (!p)
        throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
      return p;
    };
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'AmazonSSM',
      operations: {
        GetParameter: (input) => ({ Parameter: view(this.getParameter(input.Name)) }),
        GetParameters: (input) => {
          const names: string[] = input.Names ?? [];
          const found: Parameter[] = [];
          const invalid: string[] = [];
          for (const n of names) {
            try {
              found.push(this.getParameter(n));
            } catch {
              invalid.push(n);
            }
          }
          return { Parameters: found.map(view), InvalidParameters: invalid };
        },
        GetParametersByPath: (input) => {
          const path = String(input.Path);
          if (!path.startsWith('/') || path.split('/').filter(Boolean).length > SSM_MAX_HIERARCHY_LEVELS) {
            throw validation(NAME_RULES);
          }
          const prefix = path.endsWith('/') ? path : `${path}/`;
          return {
            Parameters: [...this.parameters.values()]
              .filter(
                (p) =>
                  p.Name.startsWith(prefix) &&
                  (input.Recursive || !p.Name.slice(prefix.length).includes('/')),
              )
              .map(view),
          };
        },
        PutParameter: (input) => {
          const p = this.putParameter(input);
          return { Version: p.Version, Tier: p.Tier };
        },
        DeleteParameter: (input) => {
          this.deleteParameter(input.Name);
          return {};
        },
        DescribeParameters: (input) => this.describeParameters(input),
        AddTagsToResource: (input) => {
          const p = tagged(input);
          for (const t of (input.Tags ?? []) as Tag[]) p.Tags = [...p.Tags.filter((x) => x.Key !== t.Key), t];
          return {};
        },
        RemoveTagsFromResource: (input) => {
          const p = tagged(input);
          p.Tags = p.Tags.filter((t) => !((input.TagKeys ?? []) as string[]).includes(t.Key));
          return {};
        },
        ListTagsForResource: (input) => ({ TagList: tagged(input).Tags }),
      },
    };
  }
}

/** PutParameter's name checks, with the error each one gets on AWS. */
function checkName(name: string): void {
  const problem = parameterNameProblem(String(name ?? ''));
  if (!problem) return;
  switch (problem.kind) {
    case 'reserved-path':
      throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
    case 'too-deep':
      throw new AwsError(
        'HierarchyLevelLimitExceededException',
        `A hierarchy can have a maximum of ${SSM_MAX_HIERARCHY_LEVELS} levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.`,
      );
    case 'too-long':
      throw validation(
        `1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 1011`,
      );
    default:
      throw validation(NAME_RULES);
  }
}

function matchesFilter(p: Parameter, f: { Key: string; Option?: string; Values?: string[] }): boolean {
  const values = f.Values ?? [];
  if (f.Key === 'Path') {
    const recursive = f.Option === 'Recursive';
    return values.some((v) => {
      const prefix = v.endsWith('/') ? v : `${v}/`;
      if (v === '/' && !recursive) return !p.Name.slice(1).includes('/') || !p.Name.startsWith('/');
      return p.Name.startsWith(prefix) && (recursive || !p.Name.slice(prefix.length).includes('/'));
    });
  }
  const actual = f.Key.startsWith('tag:')
    ? p.Tags.find((t) => t.Key === f.Key.slice(4))?.Value
    : f.Key === 'Name'
      ? p.Name
      : f.Key === 'Type'
        ? p.Type
        : f.Key === 'KeyId'
          ? p.KeyId
          : f.Key === 'Tier'
            ? p.Tier
            : p.DataType;
  if (actual === undefined) return false;
  if (values.length === 0) return true;
  const option = f.Option ?? 'Equals';
  return values.some((v) =>
    option === 'BeginsWith'
      ? actual.startsWith(v)
      : option === 'Contains'
        ? actual.includes(v)
        : actual === v,
  );
}
