/**
 * `deploy`: upload a manifest (after the database-replacement guard) and, with --watch, follow
 * provisioning to ready or failed. Registered by program.ts; split from it so each command group
 * sits in its own file.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readStatus, type StatusDocument } from '#shared/status.ts';
import { examples } from '../command-kit.ts';
import { type GlobalOptions, resolveTarget } from '../context.ts';
import { type CoreKit, inRegion, reportManifest, timeoutMs, timeoutOption } from '../core-kit.ts';
import { EXIT, OperationFailedError } from '../errors.ts';
import { readManifestFile } from '../manifest-file.ts';
import type { Session } from '../session.ts';
import { formatDuration } from '../ui.ts';
import { explainFailure, followStatus, formatFailure } from '../watch.ts';
import {
  guardDatabaseReplacement,
  provisioningSettled,
  uploadManifest,
  withReplacementAllowed,
} from './deploy.ts';
import { statusView } from './status.ts';

/** Registers `deploy`. */
export function registerDeployCommand(program: Command, kit: CoreKit): void {
  const { deps, session, setExit, changeSetDeps } = kit;
  const { ui } = deps;
  program
    .command('deploy')
    .description('validate and upload a manifest to the stackdrop bucket; --watch follows provisioning')
    .argument('<manifest>', 'manifest file')
    .option('--watch', 'follow provisioning until ready or failed')
    .option('--allow-db-replacement', 'accept a plan that replaces the Aurora cluster (a snapshot is kept)')
    .addOption(timeoutOption())
    .option('--json', 'machine-readable result (the upload, and the final status with --watch)')
    .addHelpText(
      'after',
      examples(
        'stackdrop deploy stackdrop.yaml',
        'stackdrop deploy stackdrop.yaml --watch',
        'stackdrop deploy stackdrop.yaml --allow-db-replacement',
      ),
    )
    .action(
      async (
        file: string,
        opts: { watch?: boolean; allowDbReplacement?: boolean; json?: boolean; timeout: string },
        cmd: Command,
      ) => {
        const limit = timeoutMs(opts.timeout);
        const region = resolveTarget(cmd.optsWithGlobals() as GlobalOptions, deps.env).region;
        const result = inRegion(await readManifestFile(resolve(deps.cwd, file), file, deps.stdin), region);
        if (!reportManifest(result, file, Boolean(opts.json), deps)) return setExit(EXIT.user);
        const m = result.manifest;
        const s = session(cmd);
        const bucket = await s.bucket();
        // Spinner only on a terminal; in a log the check is quiet unless it finds something.
        const checking =
          ui.tty && !opts.json ? ui.progress('Checking whether the database would be replaced…') : undefined;
        const guard = await guardDatabaseReplacement(
          m,
          Boolean(opts.allowDbReplacement),
          changeSetDeps(s, bucket),
        ).finally(() => checking?.stop());
        let text = result.text;
        if (guard === 'allowed') {
          if (!m.database.allowReplacement) text = withReplacementAllowed(text, result.format);
          ui.err(
            ui.style.red(
              '!! This deploy REPLACES the Aurora cluster (allowed): the old cluster is kept only as a snapshot.',
            ),
          );
        }
        const ref = { bucket, project: m.project, environment: m.environment };
        const before = opts.watch
          ? (await readStatus(ref, { s3: s.clients.s3 }))?.doc.manifest?.versionId
          : undefined;
        const upload = await uploadManifest(m, text, result.format, {
          s3: s.clients.s3,
          bucket,
          now: s.now,
        });
        if (!opts.json) {
          ui.out(
            `${ui.style.green('✓')} uploaded s3://${bucket}/${upload.key}${upload.versionId ? ` (version ${upload.versionId})` : ''}`,
          );
        }
        if (!opts.watch) {
          if (opts.json) ui.json({ upload });
          else
            ui.out(
              `stackdrop is provisioning ${m.project}/${m.environment}: follow it with \`stackdrop status ${m.project}${m.environment === 'production' ? '' : ` --environment ${m.environment}`} --watch\``,
            );
          return setExit(EXIT.ok);
        }
        const since = new Date(upload.uploadedAt);
        let outcome: ReturnType<typeof provisioningSettled>;
        const doc = await followStatus(
          ref,
          opts.json ? { ...s.followDeps(), stdout: { write: () => true } } : s.followDeps(),
          {
            since,
            timeoutMs: limit,
            isCurrent: (d) =>
              upload.versionId
                ? d.manifest?.versionId === upload.versionId
                : Date.parse(d.updatedAt) >= since.getTime(),
            isDone: (d) => {
              outcome = provisioningSettled(d, upload, before);
              return outcome !== undefined;
            },
          },
        );
        setExit(
          await reportProvisioning(outcome, doc, upload.versionId, since, s, Boolean(opts.json), { upload }),
        );
      },
    );
}

async function reportProvisioning(
  outcome: ReturnType<typeof provisioningSettled>,
  doc: StatusDocument | undefined,
  versionId: string | undefined,
  since: Date,
  s: Session,
  json: boolean,
  extra: Record<string, unknown>,
): Promise<number> {
  const { ui } = s.deps;
  const elapsed = formatDuration(s.now().getTime() - since.getTime());
  if (outcome === 'ready' && doc) {
    if (json)
      ui.json({
        ...extra,
        phase: 'ready',
        elapsedMs: s.now().getTime() - since.getTime(),
        status: statusView(doc, s.now()),
      });
    else {
      ui.out(`${ui.style.green('✓')} ${doc.project}/${doc.environment} ready after ${elapsed}`);
      const url = doc.outputs.Url ?? doc.outputs.url;
      if (url) ui.out(`  ${url}`);
    }
    return EXIT.ok;
  }
  if (outcome === 'superseded') {
    const message = `a newer manifest (version ${doc?.manifest?.versionId}) replaced version ${versionId} before it was provisioned; follow it with \`stackdrop status ${doc?.project} --watch\``;
    if (json) ui.json({ ...extra, phase: 'superseded', reason: message });
    else ui.err(ui.style.yellow(`! ${message}`));
    return EXIT.failed;
  }
  if (!doc) throw new OperationFailedError('The status document disappeared while watching.');
  const rejected = doc.errors ?? [];
  const reason = rejected.length
    ? `stackdrop rejected the manifest: ${rejected.map((e) => `${e.path}: ${e.message}`).join('; ')}`
    : formatFailure(await explainFailure(doc, s.clients.cfn, since));
  if (json) ui.json({ ...extra, phase: 'failed', reason, status: statusView(doc, s.now()) });
  else ui.err(ui.style.red(`✗ ${doc.project}/${doc.environment} ${reason} (after ${elapsed})`));
  return EXIT.failed;
}
