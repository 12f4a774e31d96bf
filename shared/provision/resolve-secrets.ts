import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Manifest } from '#shared/manifest/index.ts';
import { projectSecretName, secretShortName } from '#shared/manifest/secret-refs.ts';
import type { ManifestProblem } from './load-manifest.ts';

/**
 * Replaces `secret:NAME` references in `app.secrets` by the full ARN of
 * `stackdrop/<project>/<environment>/NAME` (DescribeSecret, read-only). ECS and the execution
 * role's policy need the ARN with its random suffix, which only Secrets Manager knows.
 * A reference to a secret that does not exist is a manifest problem: nothing is provisioned.
 */
export async function resolveSecretRefs(
  manifest: Manifest,
  file: string,
  secrets: SecretsManagerClient | undefined,
): Promise<{ manifest: Manifest; problems: ManifestProblem[] }> {
  const entries = Object.entries(manifest.app.secrets);
  if (!entries.some(([, v]) => secretShortName(v))) return { manifest, problems: [] };
  const resolved: Record<string, string> = {};
  const problems: ManifestProblem[] = [];
  for (const [variable, value] of entries) {
    const name = secretShortName(value);
    if (!name) {
      resolved[variable] = value;
      continue;
    }
    const id = projectSecretName(manifest.project, manifest.environment, name);
    const hint = `create it with \`printf %s "$VALUE" | stackdrop secrets set ${manifest.project} ${name}\`${manifest.environment === 'production' ? '' : ` --environment ${manifest.environment}`}, then deploy the manifest again`;
    if (!secrets) {
      problems.push({ file, path: `app.secrets.${variable}`, message: `cannot look up ${id} here`, hint });
      continue;
    }
    try {
      const out = await secrets.send(new DescribeSecretCommand({ SecretId: id }));
      if (!out.ARN || out.DeletedDate)
        throw Object.assign(new Error('deleted'), { name: 'ResourceNotFoundException' });
      resolved[variable] = out.ARN;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      problems.push({
        file,
        path: `app.secrets.${variable}`,
        message: `${value} names ${id}, which does not exist`,
        hint,
      });
    }
  }
  return { manifest: { ...manifest, app: { ...manifest.app, secrets: resolved } }, problems };
}
