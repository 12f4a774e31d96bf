/**
 * Short secret references in a manifest's `app.secrets` (`APP_KEY: secret:APP_KEY`): they name a
 * secret `stackdrop secrets set` keeps under `stackdrop/<project>/<environment>/<NAME>`, and
 * provisioning (load-manifest) replaces them with the secret's full ARN before anything renders.
 */

export const SECRET_SHORT_REF = /^secret:([A-Za-z_][A-Za-z0-9_]{0,127})$/;

/** The NAME of a `secret:NAME` reference, or undefined for anything else (an ARN). */
export function secretShortName(value: string): string | undefined {
  return SECRET_SHORT_REF.exec(value)?.[1];
}

/** Where stackdrop keeps a project's secret NAME in Secrets Manager. */
export function projectSecretName(project: string, environment: string, name: string): string {
  return `stackdrop/${project}/${environment}/${name}`;
}
