import { CfnValidationError } from '../errors.ts';
import { LIMITS } from './rules.ts';

/**
 * TemplateBody is constrained by the API model (length 1..51,200): the request fails with the
 * service's generic constraint message, which quotes the value as AWS does.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
 */
export function checkTemplateBodySize(body: string): void {
  if (Buffer.byteLength(body, 'utf8') <= LIMITS.templateBodyBytes) return;
  throw new CfnValidationError(
    `1 validation error detected: Value '${body}' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.templateBodyBytes}`,
  );
}

/** A template read from S3 (TemplateURL) may be up to 1 MB. */
export function checkTemplateObjectSize(body: Buffer): void {
  if (body.length <= LIMITS.templateUrlBytes) return;
  throw new CfnValidationError(`Template may not exceed ${LIMITS.templateUrlBytes} bytes in size.`);
}

/** Each parameter value may be up to 4,096 bytes. */
export function checkParameterValueSizes(
  parameters: { ParameterKey?: string; ParameterValue?: string }[],
): void {
  for (const p of parameters) {
    if (
      p.ParameterValue !== undefined &&
      Buffer.byteLength(p.ParameterValue, 'utf8') > LIMITS.parameterValueBytes
    ) {
      throw new CfnValidationError(
        `Parameter '${p.ParameterKey ?? ''}' value exceeds the maximum size of ${LIMITS.parameterValueBytes} bytes`,
      );
    }
  }
}
