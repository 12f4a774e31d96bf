import { CfnValidationError } from './errors.ts';

/** A parameter as the API receives it. */
export interface SuppliedParameter {
  ParameterKey?: string;
  ParameterValue?: string;
  UsePreviousValue?: boolean;
}

/** A parameter as DescribeStacks reports it (before NoEcho masking). */
export interface StackParameter {
  ParameterKey: string;
  ParameterValue: string;
  ResolvedValue?: string;
}

/** Lookups parameter types need from the service models. */
export interface ParameterLookups {
  /** An SSM parameter's type and value, or undefined when it does not exist. */
  ssmParameter(name: string): { type: string; value: string } | undefined;
  /** Whether an EC2 object of that parameter type exists; undefined when it cannot be checked. */
  ec2Exists?(type: string, id: string): boolean | undefined;
  availabilityZones(): string[];
}

export interface ResolvedParameters {
  /** What `Ref` returns: a string, or a list for list types. */
  values: Map<string, string | string[]>;
  /** Parameters for DescribeStacks, in template order. */
  described: StackParameter[];
  noEcho: Set<string>;
}

const AWS_TYPES = new Set([
  'AWS::EC2::AvailabilityZone::Name',
  'AWS::EC2::Image::Id',
  'AWS::EC2::Instance::Id',
  'AWS::EC2::KeyPair::KeyName',
  'AWS::EC2::SecurityGroup::GroupName',
  'AWS::EC2::SecurityGroup::Id',
  'AWS::EC2::Subnet::Id',
  'AWS::EC2::Volume::Id',
  'AWS::EC2::VPC::Id',
  'AWS::Route53::HostedZone::Id',
  'AWS::SSM::Parameter::Name',
]);

interface ParsedType {
  list: boolean;
  number: boolean;
  /** AWS-specific element type (validated against the models), if any. */
  awsType?: string;
  ssm: boolean;
}

function parseType(type: string): ParsedType | undefined {
  if (type === 'String') return { list: false, number: false, ssm: false };
  if (type === 'Number') return { list: false, number: true, ssm: false };
  if (type === 'CommaDelimitedList') return { list: true, number: false, ssm: false };
  if (type === 'List<Number>') return { list: true, number: true, ssm: false };
  if (AWS_TYPES.has(type)) return { list: false, number: false, awsType: type, ssm: false };
  const list = /^List<(.+)>$/.exec(type);
  if (list && AWS_TYPES.has(list[1]!)) return { list: true, number: false, awsType: list[1], ssm: false };
  const ssm = /^AWS::SSM::Parameter::Value<(.+)>$/.exec(type);
  if (ssm) {
    const inner = ssm[1]!;
    if (inner === 'String') return { list: false, number: false, ssm: true };
    if (inner === 'List<String>' || inner === 'CommaDelimitedList')
      return { list: true, number: false, ssm: true };
    const innerType = parseType(inner);
    if (innerType && !innerType.ssm && innerType.awsType) return { ...innerType, ssm: true };
  }
  return undefined;
}

function splitList(value: string): string[] {
  return value === '' ? [] : value.split(',').map((item) => item.trim());
}

function constraintFailure(
  key: string,
  declaration: Record<string, unknown>,
  fallback: string,
): CfnValidationError {
  const description = declaration.ConstraintDescription;
  return new CfnValidationError(
    typeof description === 'string' ? `Parameter '${key}' ${description}` : `Parameter '${key}' ${fallback}`,
  );
}

function checkConstraints(
  key: string,
  declaration: Record<string, unknown>,
  item: string,
  number: boolean,
): void {
  if (number) {
    if (item.trim() === '' || !Number.isFinite(Number(item)))
      throw new CfnValidationError(`Parameter '${key}' must be a number`);
    const n = Number(item);
    if (declaration.MinValue !== undefined && n < Number(declaration.MinValue)) {
      throw constraintFailure(key, declaration, `must be a number not less than ${declaration.MinValue}`);
    }
    if (declaration.MaxValue !== undefined && n > Number(declaration.MaxValue)) {
      throw constraintFailure(key, declaration, `must be a number not greater than ${declaration.MaxValue}`);
    }
  } else {
    if (declaration.MinLength !== undefined && item.length < Number(declaration.MinLength)) {
      throw constraintFailure(key, declaration, `must contain at least ${declaration.MinLength} characters`);
    }
    if (declaration.MaxLength !== undefined && item.length > Number(declaration.MaxLength)) {
      throw constraintFailure(key, declaration, `must contain at most ${declaration.MaxLength} characters`);
    }
    if (typeof declaration.AllowedPattern === 'string') {
      // CloudFormation anchors AllowedPattern: the whole value must match.
      if (!new RegExp(`^(?:${declaration.AllowedPattern})$`, 'u').test(item)) {
        throw constraintFailure(key, declaration, `must match pattern ${declaration.AllowedPattern}`);
      }
    }
  }
  if (Array.isArray(declaration.AllowedValues) && !declaration.AllowedValues.map(String).includes(item)) {
    throw constraintFailure(key, declaration, 'must be one of AllowedValues');
  }
}

/** Checks every declaration's type before any value is looked at (a template format error). */
export function validateParameterDeclarations(declarations: Record<string, Record<string, unknown>>): void {
  for (const [key, declaration] of Object.entries(declarations)) {
    if (typeof declaration?.Type !== 'string') {
      throw new CfnValidationError(
        `Template format error: Every Parameters object must contain a Type member.`,
      );
    }
    if (!parseType(declaration.Type)) {
      throw new CfnValidationError(`Template format error: Unrecognized parameter type: ${declaration.Type}`);
    }
    if (!/^[A-Za-z0-9]+$/.test(key)) {
      throw new CfnValidationError(`Template format error: Parameter name ${key} is non alphanumeric.`);
    }
  }
}

/**
 * Resolves supplied values against the template's Parameters: defaults, UsePreviousValue, types
 * (lists, numbers, AWS-specific and SSM types) and constraints, with CloudFormation's messages.
 */
export function resolveParameters(
  declarations: Record<string, Record<string, unknown>>,
  supplied: SuppliedParameter[],
  previous: Map<string, string> | undefined,
  lookups: ParameterLookups,
): ResolvedParameters {
  validateParameterDeclarations(declarations);
  const unknown = supplied
    .map((p) => p.ParameterKey ?? '')
    .filter((key) => !Object.hasOwn(declarations, key));
  if (unknown.length > 0)
    throw new CfnValidationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);

  const raw = new Map<string, string>();
  const missing: string[] = [];
  for (const [key, declaration] of Object.entries(declarations)) {
    const given = supplied.find((p) => p.ParameterKey === key);
    if (given?.UsePreviousValue) {
      const old = previous?.get(key);
      if (old === undefined)
        throw new CfnValidationError(
          `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      raw.set(key, old);
    } else if (given?.ParameterValue !== undefined) raw.set(key, given.ParameterValue);
    else if (declaration.Default !== undefined)
      raw.set(
        key,
        Array.isArray(declaration.Default) ? declaration.Default.join(',') : String(declaration.Default),
      );
    else missing.push(key);
  }
  if (missing.length > 0)
    throw new CfnValidationError(`Parameters: [${missing.join(', ')}] must have values`);

  const values = new Map<string, string | string[]>();
  const described: StackParameter[] = [];
  const noEcho = new Set<string>();
  const ssmMissing: string[] = [];
  for (const [key, declaration] of Object.entries(declarations)) {
    const type = parseType(declaration.Type as string)!;
    const value = raw.get(key)!;
    if (declaration.NoEcho === true || declaration.NoEcho === 'true') noEcho.add(key);
    let effective = value;
    if (type.ssm) {
      const parameter = lookups.ssmParameter(value);
      if (!parameter) {
        ssmMissing.push(value);
        continue;
      }
      if (parameter.type === 'SecureString') {
        throw new CfnValidationError(
          `Parameters [${value}] referenced by template have types not supported by CloudFormation.`,
        );
      }
      effective = parameter.value;
      described.push({ ParameterKey: key, ParameterValue: value, ResolvedValue: effective });
    } else described.push({ ParameterKey: key, ParameterValue: value });

    const items = type.list ? splitList(effective) : [effective];
    for (const item of items) {
      checkConstraints(key, declaration, item, type.number);
      if (
        type.awsType === 'AWS::EC2::AvailabilityZone::Name' &&
        !lookups.availabilityZones().includes(item)
      ) {
        throw new CfnValidationError(
          `Parameter validation failed: parameter value ${item} for parameter name ${key} does not exist. Rollback requested by user.`,
        );
      }
      if (type.awsType && lookups.ec2Exists?.(type.awsType, item) === false) {
        throw new CfnValidationError(
          `Parameter validation failed: parameter value ${item} for parameter name ${key} does not exist. Rollback requested by user.`,
        );
      }
    }
    values.set(key, type.list ? items : effective);
  }
  if (ssmMissing.length > 0) {
    throw new CfnValidationError(
      `Unable to fetch parameters [${ssmMissing.join(',')}] from parameter store for this account.`,
    );
  }
  return { values, described, noEcho };
}
