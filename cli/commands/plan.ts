import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import type { SecurityNotice } from '#shared/manifest/notices.ts';
import type { Stage } from '#shared/naming.ts';
import { mustRecreate } from '#shared/provision/cfn.ts';
import type { StageOutputs } from '#shared/render.ts';
import { readStatus } from '#shared/status.ts';
import { OperationFailedError } from '../errors.ts';
import { resourceLabel } from '../labels.ts';
import { isStackMissing } from '../stackdrop-stack.ts';
import { type PlannedStack, planStacks, REPO_ROOT } from '../stacks.ts';
import type { Style } from '../ui.ts';

export interface ResourceChangeSummary {
  action: string;
  logicalId: string;
  type: string;
  label: string;
  replacement: 'True' | 'False' | 'Conditional' | 'None';
}

export interface StackPlan {
  stage: Stage;
  stackName: string;
  /** create: a new stack; update: a change set against the live stack; pending: its inputs do not exist yet. */
  /** recreate: a failed first run left the stack in ROLLBACK_COMPLETE; provisioning deletes and creates it. */
  mode: 'create' | 'update' | 'pending' | 'recreate';
  adds: number;
  modifies: number;
  removes: number;
  replacements: number;
  changes: ResourceChangeSummary[];
  note?: string;
}

export interface LivePlan {
  stacks: StackPlan[];
  /** The database cluster would be replaced (a new, empty cluster; the old one snapshotted). */
  databaseReplacement: boolean;
  /** Outputs of the stacks that exist (the edge stage's ExecutionRoleArn, ...). */
  outputs: StageOutputs;
}

export interface LivePlanDeps {
  cfn: CloudFormationClient;
  s3: S3Client;
  bucket: string;
  endpoint?: string;
  region?: string;
  sleep: (ms: number) => Promise<void>;
  /** Poll interval while CloudFormation computes a change set. */
  pollMs?: number;
  /** Restrict to these stages (deploy checks only the database). */
  only?: Stage[];
  /** Plan only stacks that exist already (no CREATE change sets). */
  onlyExisting?: boolean;
  /** Reads a template by its repository-relative path (default: from this checkout). */
  readTemplate?: (templateFile: string) => Promise<string>;
}

const TEMPLATE_BODY_LIMIT = 51_200;
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw error;
  }
}

function outputsOf(stack: Stack | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of stack?.Outputs ?? []) if (o.OutputKey && o.OutputValue) out[o.OutputKey] = o.OutputValue;
  return out;
}

/** Summarises change-set changes: counts per action and the replaced resources. */
export function summariseChanges(changes: Change[]): Omit<StackPlan, 'stage' | 'stackName' | 'mode'> {
  const list: ResourceChangeSummary[] = changes
    .map((c) => c.ResourceChange)
    .filter((rc) => rc !== undefined)
    .map((rc) => ({
      action: rc.Action ?? 'Dynamic',
      logicalId: rc.LogicalResourceId ?? '?',
      type: rc.ResourceType ?? '?',
      label: resourceLabel(rc.ResourceType ?? ''),
      replacement: (rc.Replacement as ResourceChangeSummary['replacement'] | undefined) ?? 'None',
    }));
  return {
    adds: list.filter((c) => c.action === 'Add').length,
    modifies: list.filter((c) => c.action === 'Modify').length,
    removes: list.filter((c) => c.action === 'Remove').length,
    replacements: list.filter((c) => isReplacement(c)).length,
    changes: list,
  };
}

function isReplacement(c: ResourceChangeSummary): boolean {
  return c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional');
}

/** Whether a stack plan replaces the Aurora cluster (Replacement True or Conditional). */
export function replacesDatabaseCluster(plan: StackPlan): boolean {
  return plan.changes.some((c) => c.type === 'AWS::RDS::DBCluster' && isReplacement(c));
}

/**
 * Plans against the live account: for each stage whose inputs exist, creates a change set
 * (CREATE or UPDATE), waits for it, reads every change, and deletes it again. Nothing is executed.
 */
export async function planLive(manifest: Manifest, deps: LivePlanDeps): Promise<LivePlan> {
  const offline = planStacks(manifest);
  const live = new Map<Stage, Stack | undefined>();
  for (const s of offline) live.set(s.stage, await describeStack(deps.cfn, s.stackName));
  const outputs: StageOutputs = {};
  for (const [stage, stack] of live) if (stack) outputs[stage] = outputsOf(stack);
  // The image provisioning would pass to the app stack: the last succeeded deploy, so a plan never
  // shows a rollback. Only the app stack takes it, so the status is read only when it is planned.
  const planned = offline.filter((s) => !deps.only || deps.only.includes(s.stage));
  let imageUri = '';
  if (planned.some((s) => s.stage === 'app')) {
    const status = await readStatus(
      { bucket: deps.bucket, project: manifest.project, environment: manifest.environment },
      { s3: deps.s3 },
    );
    const lastGood = status?.doc.deploys.filter((d) => d.outcome === 'succeeded').at(-1);
    const repositoryUri = outputs.edge?.RepositoryUri;
    if (lastGood && repositoryUri) imageUri = `${repositoryUri}@${lastGood.digest}`;
  }
  const stages = planStacks(manifest, { outputs, imageUri });

  const plans: StackPlan[] = [];
  // A stack a failed first run left behind (ROLLBACK_COMPLETE and the like) holds nothing and cannot
  // be updated: provisioning deletes and creates it (shared/provision/cfn.ts), so the plan does too.
  const gone = (stack: Stack | undefined) => !stack || mustRecreate(stack.StackStatus ?? '');
  for (const stage of stages) {
    if (deps.only && !deps.only.includes(stage.stage)) continue;
    const existing = live.get(stage.stage);
    const usable = !gone(existing);
    if (deps.onlyExisting && !usable) continue;
    const failedFirstRun = existing && existing.StackStatus !== 'REVIEW_IN_PROGRESS' && !usable;
    const missing = stage.dependsOn.filter((d) => gone(live.get(d)));
    if (failedFirstRun) {
      plans.push(await recreatePlan(stage, existing.StackStatus ?? '', missing, deps));
      continue;
    }
    if (!usable && missing.length > 0) {
      plans.push(await pendingPlan(stage, missing, deps));
      continue;
    }
    plans.push(await changeSetPlan(stage, usable ? 'update' : 'create', manifest, deps));
  }
  return {
    stacks: plans,
    databaseReplacement: plans.some((p) => p.stage === 'database' && replacesDatabaseCluster(p)),
    outputs,
  };
}

async function pendingPlan(stage: PlannedStack, missing: Stage[], deps: LivePlanDeps): Promise<StackPlan> {
  const template = await loadTemplate(stage, deps);
  const resources = Object.entries(parseCfnTemplate(template).Resources ?? {});
  const changes = resources.map(([logicalId, r]) => ({
    action: 'Add',
    logicalId,
    type: r.Type ?? '?',
    label: resourceLabel(r.Type ?? ''),
    replacement: 'None' as const,
  }));
  return {
    stage: stage.stage,
    stackName: stage.stackName,
    mode: 'pending',
    adds: changes.length,
    modifies: 0,
    removes: 0,
    replacements: 0,
    changes,
    note: `created after ${missing.join(' and ')} (its parameters need their outputs); resources may vary with conditions`,
  };
}

/** Every resource of the template is added again, once provisioning has deleted the failed stack. */
async function recreatePlan(
  stage: PlannedStack,
  status: string,
  missing: Stage[],
  deps: LivePlanDeps,
): Promise<StackPlan> {
  const pending = await pendingPlan(stage, missing.length ? missing : [stage.stage], deps);
  return {
    ...pending,
    mode: 'recreate',
    note: `the stack is in ${status} after a failed first run: provisioning deletes it and creates it again${missing.length ? ` after ${missing.join(' and ')}` : ''} (as an upload to the bucket would)`,
  };
}

/** The synthesised text (app stage), or the stage's template file. */
async function loadTemplate(stage: PlannedStack, deps: LivePlanDeps): Promise<string> {
  if (stage.templateBody !== undefined) return stage.templateBody;
  if (deps.readTemplate) return deps.readTemplate(stage.templateFile);
  return readFile(resolve(REPO_ROOT, stage.templateFile), 'utf8');
}

async function changeSetPlan(
  stage: PlannedStack,
  mode: 'create' | 'update',
  manifest: Manifest,
  deps: LivePlanDeps,
): Promise<StackPlan> {
  const nonce = randomBytes(4).toString('hex');
  const changeSetName = `stackdrop-plan-${nonce}`;
  const body = await loadTemplate(stage, deps);
  let uploadedKey: string | undefined;
  const template: { TemplateBody?: string; TemplateURL?: string } = {};
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
    // Larger templates must come from S3; the object lives only as long as the plan.
    uploadedKey = `plans/${manifest.project}-${manifest.environment}/${stage.stage}-${nonce}.yaml`;
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: uploadedKey, Body: body }));
    template.TemplateURL = objectUrl(deps, uploadedKey);
  } else {
    template.TemplateBody = body;
  }
  try {
    await deps.cfn.send(
      new CreateChangeSetCommand({
        StackName: stage.stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: mode === 'create' ? 'CREATE' : 'UPDATE',
        ...template,
        Parameters: Object.entries(stage.parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
        Tags: Object.entries(stage.tags).map(([Key, Value]) => ({ Key, Value })),
        Capabilities: [...CAPABILITIES],
        Description: 'stackdrop plan (never executed)',
      }),
    );
    const pages = await waitForChangeSet(deps, stage.stackName, changeSetName);
    const first = pages[0]!;
    if (first.Status === 'FAILED') {
      if (NO_CHANGES.test(first.StatusReason ?? '')) {
        return { stage: stage.stage, stackName: stage.stackName, mode, ...summariseChanges([]) };
      }
      throw new OperationFailedError(
        `CloudFormation could not plan ${stage.stackName}: ${first.StatusReason ?? 'no reason given'}`,
      );
    }
    const changes = pages.flatMap((p) => p.Changes ?? []);
    return { stage: stage.stage, stackName: stage.stackName, mode, ...summariseChanges(changes) };
  } finally {
    await cleanUp(deps, stage.stackName, changeSetName, mode, uploadedKey);
  }
}

function objectUrl(deps: LivePlanDeps, key: string): string {
  if (deps.endpoint) return `${deps.endpoint.replace(/\/$/, '')}/${deps.bucket}/${key}`;
  return `https://${deps.bucket}.s3.${deps.region ?? 'us-east-1'}.amazonaws.com/${key}`;
}

async function waitForChangeSet(
  deps: LivePlanDeps,
  stackName: string,
  changeSetName: string,
): Promise<DescribeChangeSetCommandOutput[]> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const first = await deps.cfn.send(
      new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
    );
    if (first.Status === 'CREATE_COMPLETE' || first.Status === 'FAILED') {
      const pages = [first];
      let next = first.NextToken;
      while (next) {
        const page = await deps.cfn.send(
          new DescribeChangeSetCommand({
            StackName: stackName,
            ChangeSetName: changeSetName,
            NextToken: next,
          }),
        );
        pages.push(page);
        next = page.NextToken;
      }
      return pages;
    }
    await deps.sleep(deps.pollMs ?? 2000);
  }
  throw new OperationFailedError(`Change set for ${stackName} was still being created after 4 minutes.`);
}

async function cleanUp(
  deps: LivePlanDeps,
  stackName: string,
  changeSetName: string,
  mode: 'create' | 'update',
  uploadedKey: string | undefined,
): Promise<void> {
  try {
    await deps.cfn.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
  } catch {
    // A leftover change set is never executed and costs nothing; the plan itself matters more.
  }
  if (mode === 'create') {
    // A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS; remove only that, never a real stack.
    const stack = await describeStack(deps.cfn, stackName);
    if (stack?.StackStatus === 'REVIEW_IN_PROGRESS') {
      await deps.cfn.send(new DeleteStackCommand({ StackName: stackName }));
    }
  }
  if (uploadedKey) {
    await deps.s3
      .send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: uploadedKey }))
      .catch(() => undefined);
  }
}

/** Human lines for a live plan: one block per stack and a loud warning for a cluster replacement. */
export function formatLivePlan(plan: LivePlan, style: Style): string[] {
  const lines: string[] = [];
  for (const s of plan.stacks) {
    const counts = `${s.adds} to add, ${s.modifies} to change, ${s.removes} to remove, ${s.replacements} replaced`;
    lines.push(`${style.bold(s.stackName)}  (${s.mode})  ${counts}`);
    if (s.note) lines.push(`  ${style.dim(s.note)}`);
    if (s.mode !== 'pending' && s.mode !== 'recreate') {
      for (const c of s.changes) {
        const mark = c.action === 'Add' ? '+' : c.action === 'Remove' ? '-' : isReplacement(c) ? '±' : '~';
        const repl = isReplacement(c)
          ? style.red(` REPLACE${c.replacement === 'Conditional' ? ' (conditional)' : ''}`)
          : '';
        lines.push(`  ${mark} ${c.logicalId}  ${c.label}${repl}`);
      }
      if (s.changes.length === 0) lines.push('  no changes');
    }
  }
  if (plan.databaseReplacement) {
    lines.push(
      '',
      style.red(style.bold('!! WARNING: this plan REPLACES the Aurora database cluster.')),
      style.red(
        '!! A new, empty cluster is created; the old one is snapshotted and removed. Your data stays only in that snapshot.',
      ),
      style.red(
        '!! `stackdrop deploy` refuses this unless you pass --allow-db-replacement (or set database.allowReplacement: true).',
      ),
    );
  }
  return lines;
}

/** Warning lines for the defaults a manifest weakens on purpose (plain HTTP, external secrets). */
export function formatNotices(notices: SecurityNotice[], style: Style): string[] {
  return notices.map((n) => style.yellow(`! ${n.path}: ${n.message}`));
}

/** One line on a synthesised template: its resources by kind and its size. */
export function synthesisSummary(body: string): string {
  const template = JSON.parse(body) as { Resources: Record<string, { Type: string }> };
  const resources = Object.values(template.Resources);
  const count = (type: string) => resources.filter((r) => r.Type === type).length;
  return `synthesised from the manifest: ${resources.length} resources (${count('AWS::ECS::TaskDefinition')} task definitions, ${count('AWS::ECS::Service')} services, ${count('AWS::CloudWatch::Alarm')} alarms), ${Buffer.byteLength(body)} bytes`;
}

/** Human lines for the offline plan: each stage's stack, inputs and parameters. */
export function formatOfflinePlan(stacks: PlannedStack[], style: Style): string[] {
  const lines: string[] = [];
  for (const s of stacks) {
    const needs = s.dependsOn.length ? `needs ${s.dependsOn.join(', ')}` : 'first';
    lines.push(`${style.bold(s.stage)}  ${s.stackName}  (${s.templateFile}; ${needs})`);
    // Empty parameters (no image yet) are counted, not listed: a plan shows what is set.
    const keys = Object.keys(s.parameters).filter((k) => s.parameters[k] !== '');
    const empty = Object.keys(s.parameters).length - keys.length;
    const width = Math.max(0, ...keys.map((k) => k.length));
    for (const k of keys) lines.push(`  ${k.padEnd(width)}  ${s.parameters[k]}`);
    if (empty > 0) lines.push(style.dim(`  (${empty} empty parameter${empty === 1 ? '' : 's'} not shown)`));
    if (s.templateBody !== undefined) lines.push(style.dim(`  ${synthesisSummary(s.templateBody)}`));
  }
  return lines;
}
