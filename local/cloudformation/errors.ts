import { AwsError } from '../errors.ts';

/** The `ValidationError` CloudFormation returns for bad templates, parameters and requests. */
export class CfnValidationError extends AwsError {
  override name = 'CfnValidationError';
  constructor(message: string) {
    super('ValidationError', message);
  }
}

/** Any other CloudFormation API error (`AlreadyExistsException`, `ChangeSetNotFound`, ...). */
export class CfnApiError extends AwsError {
  override name = 'CfnApiError';
}
