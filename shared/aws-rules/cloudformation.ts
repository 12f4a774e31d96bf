/**
 * CloudFormation's template quotas, in one place: the local cloud's template checks
 * (local/cloudformation/validate), `stackdrop validate` (shared/synth/app/limits.ts) and the docs
 * read these. Read 2026-12-07 from
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
export const CLOUDFORMATION_QUOTAS_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html';

export const CLOUDFORMATION_LIMITS = {
  /** "Template body size in a request": CreateStack, UpdateStack, ValidateTemplate, CreateChangeSet. */
  templateBodyBytes: 51_200,
  /**
   * "Template body size in an Amazon S3 object": 1 MB. Read as 1,048,576 bytes: the other two
   * template sizes AWS ever published are binary multiples (51,200 = 50 KiB; the former S3 limit
   * 460,800 = 450 KiB).
   */
  templateUrlBytes: 1_048_576,
  parameters: 200,
  resources: 500,
  outputs: 200,
  mappings: 200,
  /** "Mapping attributes": per mapping. */
  mappingAttributes: 200,
  /** "Parameter value": maximum size of each parameter value. */
  parameterValueBytes: 4_096,
  /** Parameter, resource, output and mapping names. */
  nameCharacters: 255,
  /** "Template description". */
  descriptionBytes: 1_024,
} as const;
