/** Thrown at module init when a function is deployed without the configuration it needs. */
export class MissingConfigurationError extends Error {
  override name = 'MissingConfigurationError';
}

/** Reads an environment variable that must be set; fails fast with a named error. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new MissingConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

/** Reads an optional environment variable, returning the fallback when unset or empty. */
export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}
