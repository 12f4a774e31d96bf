import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalCloud } from '../../kernel.ts';
import { loadSpec } from '../spec.ts';
import type { ProvidedResource, ProviderRequest, ResourceProvider } from './types.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `n` random characters from A–Z0–9, like the suffixes CloudFormation appends to generated names. */
export function randomSuffix(n = 13): string {
  return [...randomBytes(n)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** Random lowercase hex, like the 17-digit suffix of EC2 ids. */
export function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/** A CloudFormation-generated physical name: `<stack>-<logicalId>-<SUFFIX>`, trimmed to `max`. */
export function generatedName(
  stackName: string,
  logicalId: string,
  options: { max?: number; lowercase?: boolean } = {},
): string {
  const max = options.max ?? 255;
  const suffix = randomSuffix(options.max !== undefined && options.max < 40 ? 8 : 13);
  const room = Math.max(2, max - suffix.length - 2);
  // A cut may end on a hyphen; dropping it keeps names valid where "--" is refused (RDS).
  const stackPart = stackName.slice(0, Math.ceil(room / 2)).replace(/-+$/, '');
  const logicalPart = logicalId.slice(0, room - stackPart.length).replace(/-+$/, '');
  const name = `${stackPart}-${logicalPart}-${suffix}`;
  return options.lowercase ? name.toLowerCase() : name;
}

/** EC2 id prefixes (Ref of these types returns `<prefix>-<17 hex>`). */
const EC2_PREFIXES: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::SecurityGroupIngress': 'sgr',
  'AWS::EC2::SecurityGroupEgress': 'sgr',
  'AWS::EC2::InternetGateway': 'igw',
  'AWS::EC2::EgressOnlyInternetGateway': 'eigw',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::SubnetRouteTableAssociation': 'rtbassoc',
  'AWS::EC2::NatGateway': 'nat',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::FlowLog': 'fl',
  'AWS::EC2::NetworkAcl': 'acl',
  'AWS::EC2::NetworkAclEntry': 'aclentry',
  'AWS::EC2::SubnetNetworkAclAssociation': 'aclassoc',
  'AWS::EC2::Instance': 'i',
  'AWS::EC2::LaunchTemplate': 'lt',
  'AWS::EC2::Volume': 'vol',
  'AWS::EC2::NetworkInterface': 'eni',
  'AWS::EC2::TransitGateway': 'tgw',
  'AWS::EC2::PrefixList': 'pl',
  'AWS::EC2::VPCCidrBlock': 'vpc-cidr-assoc',
  'AWS::EC2::KeyPair': 'key',
};

/** Name length limits of types whose generated names would otherwise be too long. */
const NAME_LIMITS: Record<string, number> = {
  'AWS::IAM::Role': 64,
  'AWS::IAM::User': 64,
  'AWS::IAM::Group': 128,
  'AWS::IAM::InstanceProfile': 128,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::IAM::Policy': 128,
  'AWS::Lambda::Function': 64,
  'AWS::Events::Rule': 64,
  'AWS::StepFunctions::StateMachine': 80,
  'AWS::SNS::Topic': 256,
  'AWS::KMS::Alias': 256,
};

/** Attributes AWS formats in a way the generic rules would not guess. */
function typeSpecificAttributes(type: string, physicalId: string): Record<string, unknown> {
  switch (type) {
    case 'AWS::IAM::Role':
      return { RoleId: `AROA${randomSuffix(17)}` };
    case 'AWS::IAM::User':
      return { UserId: `AIDA${randomSuffix(17)}` };
    case 'AWS::KMS::Key':
      return { KeyId: physicalId };
    default:
      return {};
  }
}

/** The name property of a type, when it has one the template may set (e.g. `QueueName`). */
export function nameProperty(type: string): string | undefined {
  const spec = loadSpec().resource(type);
  if (!spec) return undefined;
  const last = type.split('::')[2] ?? '';
  const candidates = [`${last}Name`, 'Name', `${last}Identifier`];
  if (type === 'AWS::RDS::DBCluster') return 'DBClusterIdentifier';
  if (type === 'AWS::RDS::DBInstance') return 'DBInstanceIdentifier';
  if (type === 'AWS::CloudWatch::Alarm') return 'AlarmName';
  return candidates.find((c) => spec.properties.has(c));
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'unknown').toLowerCase();
}

/** Fills an `arnTemplate` from the spec (`arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`). */
function fillArnTemplate(template: string, cloud: LocalCloud, name: string): string {
  return template
    .replace('${Partition}', 'aws')
    .replace('${Region}', cloud.region)
    .replace('${Account}', cloud.accountId)
    .replace(/\$\{[^}]+\}/g, name);
}

function arnFor(type: string, cloud: LocalCloud, name: string): string {
  const template = loadSpec().resource(type)?.arnTemplate;
  if (template) return fillArnTemplate(template, cloud, name);
  const kind = (type.split('::')[2] ?? 'resource').replace(/[A-Z]/g, (c, i) =>
    i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`,
  );
  if (serviceOf(type) === 'iam') return `arn:aws:iam::${cloud.accountId}:${kind}/${name}`;
  return cloud.arn(serviceOf(type), `${kind}/${name}`);
}

/** A plausible physical id for any type: EC2-style ids, ARNs or generated names, as CloudFormation's Ref returns them. */
export function genericPhysicalId(request: ProviderRequest): string {
  const { type, cloud, properties, stackName, logicalId } = request;
  const prefix = EC2_PREFIXES[type];
  if (prefix) return `${prefix}-${randomHex(17)}`;
  const nameProp = nameProperty(type);
  const given = nameProp ? properties[nameProp] : undefined;
  const name =
    typeof given === 'string' && given !== ''
      ? given
      : generatedName(stackName, logicalId, { max: NAME_LIMITS[type] });
  const primary = loadSpec().resource(type)?.primaryIdentifier ?? [];
  if (primary.length === 1 && /Arn$|ARN$/.test(primary[0]!)) return arnFor(type, cloud, name);
  if (primary.length === 1 && /Id$/.test(primary[0]!) && !nameProp) return randomUUID();
  return name;
}

/** A plausible value for every spec attribute of a type, from the properties where they match. */
export function genericAttributes(request: ProviderRequest, physicalId: string): Record<string, unknown> {
  const { type, cloud, properties } = request;
  const spec = loadSpec().resource(type);
  const out: Record<string, unknown> = {};
  const name = physicalId.startsWith('arn:') ? (physicalId.split(/[/:]/).pop() ?? physicalId) : physicalId;
  for (const [attribute, { kind }] of spec?.attributes ?? []) {
    const leaf = attribute.split('.').pop()!;
    if (properties[attribute] !== undefined) out[attribute] = properties[attribute];
    else if (kind === 'array') out[attribute] = [];
    else if (kind === 'integer' || kind === 'number') out[attribute] = 0;
    else if (kind === 'boolean') out[attribute] = false;
    else if (kind === 'json' || kind === 'map') out[attribute] = {};
    else if (/Arn$|ARN$/.test(leaf))
      out[attribute] = physicalId.startsWith('arn:') ? physicalId : arnFor(type, cloud, name);
    else if (/Name$/.test(leaf)) out[attribute] = name;
    else if (/Id$|ID$/.test(leaf)) out[attribute] = physicalId;
    else if (/Address$|DomainName$|DNSName$/.test(leaf))
      out[attribute] = `${name.toLowerCase()}.${serviceOf(type)}.${cloud.region}.amazonaws.com`;
    else if (/Port$/.test(leaf)) out[attribute] = '443';
    else if (/Url$|URL$/.test(leaf))
      out[attribute] = `https://${name.toLowerCase()}.${serviceOf(type)}.${cloud.region}.amazonaws.com`;
    else out[attribute] = physicalId;
  }
  Object.assign(out, typeSpecificAttributes(type, physicalId));
  // IAM ARNs carry the entity's path: arn:aws:iam::<account>:role/<path><name> (IAM User Guide,
  // "IAM identifiers", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
  const path = properties.Path;
  if (serviceOf(type) === 'iam' && typeof path === 'string' && path !== '/' && typeof out.Arn === 'string')
    out.Arn = out.Arn.replace(/:(role|user|group|instance-profile|policy)\//, `:$1${path}`);
  // GetAtt Arn of a log group carries the `:*` suffix, as AWS returns it.
  if (type === 'AWS::Logs::LogGroup' && typeof out.Arn === 'string' && !out.Arn.endsWith(':*'))
    out.Arn = `${out.Arn}:*`;
  return out;
}

/** The provider for types without a service model: a physical id and attributes, nothing else. */
export const genericProvider: ResourceProvider = {
  create(request): ProvidedResource {
    const physicalId = genericPhysicalId(request);
    return { physicalId, attributes: genericAttributes(request, physicalId) };
  },
  update(request): ProvidedResource {
    const attributes = genericAttributes(request, request.physicalId);
    // Keep generated values (ids, names, endpoints); only those mirroring a property follow it.
    for (const [k, v] of Object.entries(request.attributes))
      if (request.properties[k] === undefined) attributes[k] = v;
    return { physicalId: request.physicalId, attributes };
  },
  delete() {},
};
