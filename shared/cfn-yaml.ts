import { type CollectionTag, parse, type ScalarTag } from 'yaml';

/**
 * Parses a CloudFormation template written in YAML, turning the short-form intrinsics
 * (`!Ref`, `!GetAtt`, `!Sub`, ...) into their long JSON form (`{ "Fn::Sub": ... }`).
 */

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
] as const;

function fnTags(name: string, key: string): (ScalarTag | CollectionTag)[] {
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => ({ [key]: value }) } as ScalarTag,
    {
      tag,
      collection: 'seq',
      resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
    } as unknown as CollectionTag,
    {
      tag,
      collection: 'map',
      resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
    } as unknown as CollectionTag,
  ];
}

const customTags: (ScalarTag | CollectionTag)[] = [
  ...FUNCTIONS.flatMap((name) => fnTags(name, `Fn::${name}`)),
  ...fnTags('Ref', 'Ref'),
  ...fnTags('Condition', 'Condition'),
  // `!GetAtt Resource.Attribute` is a scalar that means [Resource, Attribute].
  {
    tag: '!GetAtt',
    resolve: (value: string) => {
      const dot = value.indexOf('.');
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    },
  } as ScalarTag,
  {
    tag: '!GetAtt',
    collection: 'seq',
    resolve: (value: { toJSON(): unknown }) => ({ 'Fn::GetAtt': value.toJSON() }),
  } as unknown as CollectionTag,
];

/** A CloudFormation template as JSON: the shape every consumer (tests, local cloud) reads. */
export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, Record<string, unknown>>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DependsOn?: string | string[];
      Condition?: string;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
      Metadata?: Record<string, unknown>;
    }
  >;
  Outputs?: Record<
    string,
    { Value: unknown; Description?: string; Condition?: string; Export?: { Name: unknown } }
  >;
  Globals?: Record<string, unknown>;
}

/** Parses YAML or JSON template text (JSON is valid YAML). */
export function parseCfnTemplate(text: string): CfnTemplate {
  const doc = parse(text, { customTags, uniqueKeys: true, maxAliasCount: 100 }) as CfnTemplate | null;
  if (!doc || typeof doc !== 'object' || typeof doc.Resources !== 'object') {
    throw new Error('Not a CloudFormation template: it has no Resources section');
  }
  return doc;
}
