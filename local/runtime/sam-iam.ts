import type { ManagedPolicyRecord, NamedPolicy, PolicyDocument, RoleRecord } from '../iam/index.ts';

/** Thrown when a template's IAM cannot be resolved locally (the runtime names the resource). */
export class SamIamError extends Error {
  override name = 'SamIamError';
}

type Json = unknown;
interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
}

export interface IamPlan {
  roles: RoleRecord[];
  /** Instance profile ARN → role ARN. */
  instanceProfiles: Record<string, string>;
  /** The template's customer managed policies (a permissions boundary is one). */
  managedPolicies: ManagedPolicyRecord[];
}

/**
 * The managed policy SAM attaches to every function's generated role.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html (read 2026-12-07)
 */
const LAMBDA_BASIC_EXECUTION: NamedPolicy = {
  name: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};

/**
 * SAM policy templates the template uses, expanded as SAM expands them.
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html#lambda-invoke-policy (read 2026-12-07)
 */
const SAM_POLICY_TEMPLATES: Record<
  string,
  (params: Record<string, string>, pseudo: { region: string; accountId: string }) => PolicyDocument
> = {
  LambdaInvokePolicy: (p, { region, accountId }) => ({
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: `arn:aws:lambda:${region}:${accountId}:function:${p.FunctionName}*`,
      },
    ],
  }),
};

/**
 * The roles template.yaml defines and their identity policies, as CloudFormation and SAM create
 * them: SAM functions' and state machines' generated roles (`<LogicalId>Role`, `Policies` with
 * inline statements, managed policy ARNs and SAM policy templates), AWS::IAM::Role (inline
 * `Policies`, `ManagedPolicyArns`), AWS::IAM::Policy and AWS::IAM::ManagedPolicy (`Roles`).
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies
 */
export function planIam(options: {
  resources: Record<string, TemplateResource>;
  resolve: (value: Json) => Json;
  str: (value: Json) => string;
  generatedRoleArn: (logicalId: string) => string;
  region: string;
  accountId: string;
  templateName: string;
}): IamPlan {
  const { resources, resolve, str } = options;
  const roles = new Map<string, RoleRecord>();
  const roleArnByName = new Map<string, string>();
  const managed = new Map<string, PolicyDocument>();
  const instanceProfiles: Record<string, string> = {};
  const managedPolicies: ManagedPolicyRecord[] = [];

  // Managed policies first: roles refer to them by ARN.
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const arn = str({ Ref: id });
    const document = resolve(r.Properties?.PolicyDocument) as PolicyDocument;
    managed.set(arn, document);
    managedPolicies.push({
      arn,
      name: arn.slice(arn.lastIndexOf('/') + 1),
      path: arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.lastIndexOf('/') + 1),
      versions: [{ id: 'v1', document, created: new Date(0) }],
      defaultVersionId: 'v1',
      source: `${options.templateName} ${id}`,
    });
  }
  // A role's PermissionsBoundary (AWS::IAM::Role, and SAM functions' and state machines' generated roles).
  const boundaryOf = (props: Record<string, Json>): { permissionsBoundary?: string } => {
    const value = resolve(props.PermissionsBoundary);
    return typeof value === 'string' ? { permissionsBoundary: value } : {};
  };
  const managedPolicy = (arn: string, where: string): NamedPolicy => {
    if (arn === LAMBDA_BASIC_EXECUTION.name) return LAMBDA_BASIC_EXECUTION;
    const document = managed.get(arn);
    if (!document) {
      throw new SamIamError(
        `${where}: managed policy ${arn} is not defined in ${options.templateName}; the local cloud cannot know its statements`,
      );
    }
    return { name: arn, document };
  };
  const addRole = (arn: string, source: string, policies: NamedPolicy[]) => {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const role = roles.get(arn) ?? { arn, name, policies: [], source };
    role.policies.push(...policies);
    roles.set(arn, role);
    roleArnByName.set(name, arn);
  };

  for (const [id, r] of Object.entries(resources)) {
    const props = r.Properties ?? {};
    const where = `${options.templateName} ${id}`;
    switch (r.Type) {
      case 'AWS::Serverless::Function':
      case 'AWS::Serverless::StateMachine': {
        if (props.Role !== undefined) break; // an AWS::IAM::Role of the template
        const arn = options.generatedRoleArn(id);
        const policies: NamedPolicy[] =
          r.Type === 'AWS::Serverless::Function' ? [LAMBDA_BASIC_EXECUTION] : [];
        const list = (
          Array.isArray(props.Policies) ? props.Policies : props.Policies ? [props.Policies] : []
        ) as Json[];
        list.forEach((entry, n) => {
          const value = resolve(entry);
          if (typeof value === 'string') {
            policies.push(managedPolicy(value, where));
            return;
          }
          const obj = value as Record<string, Json>;
          if ('Statement' in obj) {
            policies.push({ name: `${id}RolePolicy${n}`, document: obj as unknown as PolicyDocument });
            return;
          }
          const [templateName, params] = Object.entries(obj)[0] ?? [];
          const expand = templateName ? SAM_POLICY_TEMPLATES[templateName] : undefined;
          if (!expand) {
            throw new SamIamError(
              `${where}: policy template ${templateName} is not expanded by the local cloud (known: ${Object.keys(SAM_POLICY_TEMPLATES).join(', ')})`,
            );
          }
          policies.push({
            name: `${id}RolePolicy${n}`,
            document: expand(params as Record<string, string>, options),
          });
        });
        addRole(arn, where, policies);
        Object.assign(roles.get(arn)!, boundaryOf(props));
        break;
      }
      case 'AWS::IAM::Role': {
        const arn = str({ 'Fn::GetAtt': [id, 'Arn'] });
        const inline = (
          (resolve(props.Policies) ?? []) as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>
        ).map((p) => ({ name: p.PolicyName, document: p.PolicyDocument }));
        const attached = ((resolve(props.ManagedPolicyArns) ?? []) as string[]).map((a) =>
          managedPolicy(a, where),
        );
        addRole(arn, where, [...inline, ...attached]);
        const role = roles.get(arn)!;
        role.trust = resolve(props.AssumeRolePolicyDocument) as PolicyDocument;
        Object.assign(role, boundaryOf(props));
        break;
      }
      default:
        break;
    }
  }
  for (const [id, r] of Object.entries(resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const document = resolve(props.PolicyDocument) as PolicyDocument;
      const name = r.Type === 'AWS::IAM::Policy' ? str(props.PolicyName) : str({ Ref: id });
      for (const roleName of (resolve(props.Roles) ?? []) as string[]) {
        const arn = roleArnByName.get(roleName);
        if (arn) roles.get(arn)!.policies.push({ name, document });
      }
    }
    if (r.Type === 'AWS::IAM::InstanceProfile') {
      const roleName = ((resolve(props.Roles) ?? []) as string[])[0];
      const roleArn = roleName ? roleArnByName.get(roleName) : undefined;
      if (roleArn) instanceProfiles[str({ 'Fn::GetAtt': [id, 'Arn'] })] = roleArn;
    }
  }
  return { roles: [...roles.values()], instanceProfiles, managedPolicies };
}
