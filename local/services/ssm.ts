import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

export interface Parameter {
  Name: string;
  Type: 'String' | 'StringList' | 'SecureString';
  Value: string;
  Version: number;
  LastModifiedDate: Date;
  DataType: string;
  ARN: string;
}

/** The public AMI parameters stackdrop reads (stable fake image ids). */
export const PUBLIC_AMI_PARAMETERS: Record<string, string> = {
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64': 'ami-0a2b3c4d5e6f70819',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64': 'ami-0f1e2d3c4b5a69788',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64': 'ami-0a2b3c4d5e6f70819',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64': 'ami-0f1e2d3c4b5a69788',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64': 'ami-0b3c4d5e6f7081920',
};

/** SSM Parameter Store: the public AMI parameters plus parameters you put. */
export class SsmModel {
  readonly #cloud: LocalCloud;
  readonly parameters = new Map<string, Parameter>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    for (const [name, value] of Object.entries(PUBLIC_AMI_PARAMETERS)) {
      this.parameters.set(name, {
        Name: name,
        Type: 'String',
        Value: value,
        Version: 1,
        LastModifiedDate: cloud.clock.date(),
        DataType: 'aws:ec2:image',
        ARN: `arn:aws:ssm:${cloud.region}::parameter${name}`,
      });
    }
  }

  putParameter(input: {
    Name: string;
    Value: string;
    Type?: Parameter['Type'];
    Overwrite?: boolean;
    DataType?: string;
  }): Parameter {
    if (input.Name.startsWith('/aws/')) {
      throw new AwsError('AccessDeniedException', 'No access to reserved parameter name: /aws/.');
    }
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const p: Parameter = {
      Name: input.Name,
      Type: input.Type ?? existing?.Type ?? 'String',
      Value: input.Value,
      Version: (existing?.Version ?? 0) + 1,
      LastModifiedDate: this.#cloud.clock.date(),
      DataType: input.DataType ?? 'text',
      ARN: this.#cloud.arn('ssm', `parameter${input.Name.startsWith('/') ? '' : '/'}${input.Name}`),
    };
    this.parameters.set(p.Name, p);
    return p;
  }

  getParameter(name: string): Parameter {
    const p = this.parameters.get(name.split(':')[0]!);
    if (!p) throw new AwsError('ParameterNotFound', '');
    return p;
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'AmazonSSM',
      operations: {
        GetParameter: (input) => ({ Parameter: this.getParameter(input.Name) }),
        GetParameters: (input) => {
          const names: string[] = input.Names ?? [];
          return {
            Parameters: names.filter((n) => this.parameters.has(n)).map((n) => this.parameters.get(n)),
            InvalidParameters: names.filter((n) => !this.parameters.has(n)),
          };
        },
        GetParametersByPath: (input) => {
          const prefix = String(input.Path).endsWith('/') ? input.Path : `${input.Path}/`;
          return {
            Parameters: [...this.parameters.values()].filter(
              (p) =>
                p.Name.startsWith(prefix) && (input.Recursive || !p.Name.slice(prefix.length).includes('/')),
            ),
          };
        },
        PutParameter: (input) => {
          const p = this.putParameter(input);
          return { Version: p.Version, Tier: 'Standard' };
        },
        DeleteParameter: (input) => {
          this.getParameter(input.Name);
          this.parameters.delete(input.Name);
          return {};
        },
      },
    };
  }
}
