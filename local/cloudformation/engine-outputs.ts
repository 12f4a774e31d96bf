/**
 * Stack outputs and cross-stack exports: publishing them once a stack completes, and who imports
 * an export (which blocks deleting or changing it). Split from engine.ts.
 */
import type { CloudFormationEngine } from './engine.ts';
import type { PreparedTemplate, StackOutput, StackRecord } from './engine-records.ts';
import { CfnValidationError } from './errors.ts';
import { asString, evaluate } from './intrinsics.ts';

export function publishOutputs(
  this: CloudFormationEngine,
  stack: StackRecord,
  prepared: PreparedTemplate,
): void {
  const ctx = this.stackContext(stack, prepared, 'Outputs');
  const outputs: StackOutput[] = [];
  for (const [key, output] of Object.entries(prepared.template.Outputs ?? {})) {
    if (output.Condition !== undefined && !prepared.condition(output.Condition)) continue;
    const value = evaluate(output.Value, ctx);
    // An Output value must be a string; a list is refused, not joined.
    if (Array.isArray(value) || (value !== null && typeof value === 'object'))
      throw new CfnValidationError(
        `Template format error: [/Outputs/${key}/Value] The Value field of every Outputs member must evaluate to a String.`,
      );
    const text = asString(value, `Output ${key}`);
    const exportName = output.Export
      ? asString(evaluate(output.Export.Name, ctx), `Export of ${key}`)
      : undefined;
    if (exportName !== undefined) {
      const owner = this.exports.get(exportName);
      if (owner && owner.stackId !== stack.stackId) {
        throw new CfnValidationError(
          `Export with name ${exportName} is already exported by stack ${this.stacks.get(owner.stackId)?.stackName ?? owner.stackId}`,
        );
      }
    }
    outputs.push({
      OutputKey: key,
      OutputValue: text,
      ...(typeof output.Description === 'string' ? { Description: output.Description } : {}),
      ...(exportName !== undefined ? { ExportName: exportName } : {}),
    });
  }
  const oldExports = stack.outputs.map((o) => o.ExportName).filter((n): n is string => n !== undefined);
  for (const name of oldExports) {
    const replacement = outputs.find((o) => o.ExportName === name);
    if (replacement && replacement.OutputValue === this.exports.get(name)?.value) continue;
    const user = this.importer(name, stack);
    if (user && !replacement) {
      throw new CfnValidationError(`Export ${name} cannot be deleted as it is in use by ${user.stackName}`);
    }
    if (user)
      throw new CfnValidationError(`Cannot update export ${name} as it is in use by ${user.stackName}`);
  }
  for (const name of oldExports) this.exports.delete(name);
  for (const o of outputs)
    if (o.ExportName !== undefined)
      this.exports.set(o.ExportName, { stackId: stack.stackId, value: o.OutputValue });
  stack.outputs = outputs;
}

/** Every live stack whose template imports the export (ListImports). */
export function importersOf(this: CloudFormationEngine, exportName: string): StackRecord[] {
  return [...this.stacks.values()].filter(
    (s) =>
      s.status !== 'DELETE_COMPLETE' &&
      s.status !== 'REVIEW_IN_PROGRESS' &&
      (JSON.stringify(s.prepared.template).includes(`"Fn::ImportValue":"${exportName}"`) ||
        this.importsDynamically(s, exportName)),
  );
}

/** A live stack (other than `except`) whose template imports the export. */
export function importer(
  this: CloudFormationEngine,
  exportName: string,
  except: StackRecord,
): StackRecord | undefined {
  for (const other of this.stacks.values()) {
    if (other === except || other.status === 'DELETE_COMPLETE') continue;
    const text = JSON.stringify(other.prepared.template);
    if (text.includes(`"Fn::ImportValue":"${exportName}"`) || this.importsDynamically(other, exportName))
      return other;
  }
  return undefined;
}

export function importsDynamically(
  this: CloudFormationEngine,
  stack: StackRecord,
  exportName: string,
): boolean {
  let found = false;
  const ctx = this.stackContext(stack, stack.prepared, 'Resources');
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const arg = (node as Record<string, unknown>)['Fn::ImportValue'];
      if (arg !== undefined && typeof arg !== 'string') {
        try {
          if (evaluate(arg, ctx) === exportName) found = true;
        } catch {
          // An import whose name no longer evaluates cannot hold the export.
        }
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(stack.prepared.template.Resources);
  return found;
}
