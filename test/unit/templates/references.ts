import { type CfnTemplate, PSEUDO_PARAMETERS } from '#shared/cfn-yaml.ts';

export interface ReferenceProblem {
  path: string;
  message: string;
}

/**
 * Every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `Fn::If`/`Condition` name, `Fn::FindInMap` map and
 * `DependsOn` in a template must name something that exists.
 */
export function checkReferences(template: CfnTemplate): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Set(Object.keys(template.Resources));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const mappings = new Set(Object.keys(template.Mappings ?? {}));
  const refable = (name: string) =>
    parameters.has(name) || resources.has(name) || PSEUDO_PARAMETERS.has(name);

  const visit = (value: unknown, path: string, locals: Set<string>): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        visit(v, `${path}[${i}]`, locals);
      });
      return;
    }
    if (!value || typeof value !== 'object') return;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      if (key === 'Ref') {
        if (typeof arg !== 'string' || !(refable(arg) || locals.has(arg))) {
          problems.push({ path, message: `Ref to unknown ${JSON.stringify(arg)}` });
        }
        return;
      }
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
        if (typeof target !== 'string' || !resources.has(target)) {
          problems.push({ path, message: `Fn::GetAtt on unknown resource ${JSON.stringify(target)}` });
        }
        if (Array.isArray(arg)) visit(arg.slice(1), path, locals);
        return;
      }
      if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg)
          ? [arg[0], arg[1] as Record<string, unknown> | undefined]
          : [arg];
        const own = new Set([...locals, ...Object.keys(vars ?? {})]);
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = match[1]!.trim();
            const base = name.includes('.') && !name.startsWith('AWS::') ? name.split('.')[0]! : name;
            if (!(refable(base) || own.has(base))) {
              problems.push({ path, message: `Fn::Sub variable \${${name}} names nothing` });
            }
          }
        }
        if (vars) visit(vars, `${path}.Fn::Sub[1]`, locals);
        return;
      }
      if (key === 'Fn::If') {
        const [name, ...branches] = Array.isArray(arg) ? arg : [];
        if (typeof name !== 'string' || !conditions.has(name)) {
          problems.push({ path, message: `Fn::If on unknown condition ${JSON.stringify(name)}` });
        }
        visit(branches, path, locals);
        return;
      }
      if (key === 'Condition' && typeof arg === 'string') {
        if (!conditions.has(arg)) problems.push({ path, message: `Condition ${arg} does not exist` });
        return;
      }
      if (key === 'Fn::FindInMap') {
        const map = Array.isArray(arg) ? arg[0] : undefined;
        if (typeof map === 'string' && !mappings.has(map)) {
          problems.push({ path, message: `Fn::FindInMap on unknown mapping ${map}` });
        }
      }
    }
    for (const [k, v] of entries) visit(v, `${path}.${k}`, locals);
  };

  for (const [name, body] of Object.entries(template.Conditions ?? {}))
    visit(body, `Conditions.${name}`, new Set());
  for (const [id, resource] of Object.entries(template.Resources)) {
    const at = `Resources.${id}`;
    if (resource.Condition !== undefined && !conditions.has(resource.Condition)) {
      problems.push({ path: `${at}.Condition`, message: `Condition ${resource.Condition} does not exist` });
    }
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const target of dependsOn) {
      if (!resources.has(target))
        problems.push({ path: `${at}.DependsOn`, message: `DependsOn unknown ${target}` });
    }
    visit(resource.Properties ?? {}, `${at}.Properties`, new Set());
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const at = `Outputs.${name}`;
    if (output.Condition !== undefined && !conditions.has(output.Condition)) {
      problems.push({ path: `${at}.Condition`, message: `Condition ${output.Condition} does not exist` });
    }
    visit(output.Value, `${at}.Value`, new Set());
  }
  return problems;
}

const CONSTRAINTS = ['AllowedPattern', 'AllowedValues', 'MinValue', 'MaxValue', 'MinLength', 'MaxLength'];

/** A parameter of an AWS-specific type (subnet id, security group id, ...) is validated by CloudFormation. */
function isAwsSpecificType(type: unknown): boolean {
  return typeof type === 'string' && /AWS::/.test(type);
}

/** Parameters lacking a Description, or lacking any constraint (pattern, values, bounds, AWS type). */
export function checkParameterDocumentation(template: CfnTemplate): string[] {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    if (typeof p.Description !== 'string' || p.Description.trim().length < 10) {
      problems.push(`${name} has no description`);
    }
    if (!isAwsSpecificType(p.Type) && !CONSTRAINTS.some((c) => c in p)) {
      problems.push(`${name} has no constraint (AllowedPattern, AllowedValues, Min/Max)`);
    }
  }
  return problems;
}

/** Checks supplied values the way CloudFormation does before it creates or updates a stack. */
export function checkParameterValues(template: CfnTemplate, values: Record<string, string>): string[] {
  const problems: string[] = [];
  const declared = template.Parameters ?? {};
  for (const name of Object.keys(values)) {
    if (!(name in declared)) problems.push(`${name} is not a parameter of the template`);
  }
  for (const [name, p] of Object.entries(declared)) {
    const value = values[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (value === undefined) {
      problems.push(`${name} has no value and no default`);
      continue;
    }
    const type = String(p.Type);
    if (type === 'Number') {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) problems.push(`${name}=${value} is not a number`);
      if (typeof p.MinValue === 'number' && n < p.MinValue)
        problems.push(`${name}=${value} is below ${p.MinValue}`);
      if (typeof p.MaxValue === 'number' && n > p.MaxValue)
        problems.push(`${name}=${value} is above ${p.MaxValue}`);
    }
    if (Array.isArray(p.AllowedValues) && !p.AllowedValues.map(String).includes(value)) {
      problems.push(`${name}=${value} is not one of ${p.AllowedValues.join(', ')}`);
    }
    // For a CommaDelimitedList, CloudFormation matches AllowedPattern against each value (AWS
    // CloudFormation User Guide, "Parameters", AllowedPattern; read 2026-12-07).
    const patterned = type === 'CommaDelimitedList' ? value.split(',') : [value];
    if (
      typeof p.AllowedPattern === 'string' &&
      !patterned.every((item) => new RegExp(`^(?:${p.AllowedPattern})$`, 'u').test(item))
    ) {
      problems.push(`${name}=${JSON.stringify(value)} does not match ${p.AllowedPattern}`);
    }
    if (typeof p.MaxLength === 'number' && value.length > p.MaxLength) problems.push(`${name} is too long`);
    const elements = value.split(',');
    if (type === 'List<AWS::EC2::Subnet::Id>' && !elements.every((e) => /^subnet-[0-9a-f]+$/.test(e))) {
      problems.push(`${name}=${value} is not a list of subnet ids`);
    }
    if (type === 'AWS::EC2::SecurityGroup::Id' && !/^sg-[0-9a-f]+$/.test(value)) {
      problems.push(`${name}=${value} is not a security group id`);
    }
    if (type === 'AWS::EC2::VPC::Id' && !/^vpc-[0-9a-f]+$/.test(value))
      problems.push(`${name}=${value} is not a VPC id`);
    if (
      type === 'List<AWS::EC2::AvailabilityZone::Name>' &&
      !elements.every((e) => /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(e))
    ) {
      problems.push(`${name}=${value} is not a list of availability zones`);
    }
  }
  return problems;
}
