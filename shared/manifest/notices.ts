import { NON_PRODUCTION_ENVIRONMENT } from './limits.ts';
import type { Manifest } from './schema.ts';
import { isProjectSecret, lacksSecretSuffix } from './secrets.ts';

/**
 * What `stackdrop plan` flags about a valid manifest: choices the manifest made explicitly that
 * weaken the defaults (docs/security.md). Nothing here refuses a manifest; validate does that.
 */
export interface SecurityNotice {
  path: string;
  message: string;
}

/** Every explicit weakening of the secure defaults a manifest opts into. */
export function securityNotices(manifest: Manifest): SecurityNotice[] {
  const notices: SecurityNotice[] = [];
  const { app, project, environment } = manifest;
  if (app.allowPlainHttp && !NON_PRODUCTION_ENVIRONMENT.test(environment)) {
    notices.push({
      path: 'app.allowPlainHttp',
      message: `${project}/${environment} serves plain HTTP (no certificate): traffic and cookies travel unencrypted. Set app.certificateArn before real users arrive.`,
    });
  }
  for (const [name, arn] of Object.entries(app.secrets).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (isProjectSecret(arn, project, environment)) continue;
    notices.push({
      path: `app.secrets.${name}`,
      message: `${name} reads ${arn}${lacksSecretSuffix(arn) ? ' (granted as <arn>-??????)' : ''}, outside stackdrop/${project}/${environment}/ (app.externalSecrets: true): the execution role may read it.`,
    });
  }
  return notices;
}
