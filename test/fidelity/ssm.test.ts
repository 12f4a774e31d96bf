import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, runCli } from './services-harness.ts';

const PUT = 'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html';
const NAMES =
  'https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html';
const TIERS =
  'https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html';
const DESCRIBE =
  'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html';
const FILTER =
  'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ParameterStringFilter.html';
const GET = 'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ssm: SSMClient;
let cli: Record<string, CliResult>;

const put = (name: string, value: string, ...extra: string[]) => [
  'ssm',
  'put-parameter',
  '--name',
  name,
  '--value',
  value,
  '--type',
  'String',
  ...extra,
];

beforeAll(async () => {
  env = await startTestCloud();
  ssm = new SSMClient(env.config);
  cli = await runCli(env.endpoint, {
    standard4096: put('/acme/standard-max', 'v'.repeat(4096)),
    standard4097: put('/acme/standard-over', 'v'.repeat(4097)),
    advanced8192: put('/acme/advanced-max', 'v'.repeat(8192), '--tier', 'Advanced'),
    advanced8193: put('/acme/advanced-over', 'v'.repeat(8193), '--tier', 'Advanced'),
    intelligent: put('/acme/intelligent', 'v'.repeat(5000), '--tier', 'Intelligent-Tiering'),
    first: put('/acme/db/host', 'one'),
    again: put('/acme/db/host', 'two'),
    overwrite: put('/acme/db/host', 'two', '--overwrite'),
    awsPrefix: put('awsconfig', 'x'),
    ssmPrefix: put('/SSM/thing', 'x'),
    reservedPath: put('/aws/service/mine', 'x'),
    space: put('/acme/has space', 'x'),
    deep15: put(`/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, 'x'),
    deep16: put(`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, 'x'),
    child: put('/acme/db/port', '5432'),
    grandchild: put('/acme/db/replica/host', 'r'),
    other: put('/other/x', 'x'),
    describeAll: ['ssm', 'describe-parameters'],
    describePath: [
      'ssm',
      'describe-parameters',
      '--parameter-filters',
      'Key=Path,Option=OneLevel,Values=/acme/db',
    ],
    describeBadOption: [
      'ssm',
      'describe-parameters',
      '--parameter-filters',
      'Key=Path,Option=Equals,Values=/acme',
    ],
    missing: ['ssm', 'get-parameter', '--name', '/acme/missing'],
  });
}, 120_000);

afterAll(async () => {
  ssm?.destroy();
  await env?.stop();
});

describe('SSM parameter values', () => {
  it(aws('a Standard parameter holds at most 4,096 characters', TIERS), () => {
    expect(cli.standard4096!.rc).toBe(0);
    expect(cli.standard4096!.json).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(cliError(cli.standard4097)).toMatchObject({ code: 'ValidationException' });
    expect(cliError(cli.standard4097)?.message).toContain(
      'Standard tier parameters support a maximum parameter value of 4096 characters.',
    );
  });

  it(aws('an Advanced parameter holds at most 8,192 characters', TIERS), () => {
    expect(cli.advanced8192!.json).toMatchObject({ Tier: 'Advanced' });
    expect(cliError(cli.advanced8193)?.code).toBe('ValidationException');
  });

  it(aws('Intelligent-Tiering stores a value over 4 KB as Advanced', TIERS), () => {
    expect(cli.intelligent!.json).toMatchObject({ Tier: 'Advanced' });
  });

  it(aws('an Advanced parameter cannot be downgraded to Standard', TIERS), async () => {
    const error = await errorOf(
      ssm.send(
        new PutParameterCommand({
          Name: '/acme/advanced-max',
          Value: 'small',
          Overwrite: true,
          Tier: 'Standard',
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  it(
    aws('an existing name without Overwrite is ParameterAlreadyExists; with it, version 2', PUT),
    async () => {
      expect(cli.first!.json).toMatchObject({ Version: 1 });
      expect(cliError(cli.again)?.code).toBe('ParameterAlreadyExists');
      expect(cli.overwrite!.json).toMatchObject({ Version: 2 });
      const v1 = await ssm.send(new GetParameterCommand({ Name: '/acme/db/host:1' }));
      expect(v1.Parameter).toMatchObject({ Value: 'one', Version: 1 });
    },
  );

  it(aws('a new parameter needs a Type', PUT), async () => {
    const error = await errorOf(ssm.send(new PutParameterCommand({ Name: '/acme/typeless', Value: 'x' })));
    expect(error.name).toBe('ValidationException');
  });
});

describe('SSM parameter names', () => {
  it(aws('a name may not begin with "aws" or "ssm" (any case)', NAMES), () => {
    expect(cliError(cli.awsPrefix)?.code).toBe('ValidationException');
    expect(cliError(cli.ssmPrefix)?.code).toBe('ValidationException');
  });

  it(aws('the /aws/ path is reserved: AccessDeniedException', NAMES), () => {
    expect(cliError(cli.reservedPath)?.code).toBe('AccessDeniedException');
  });

  it(aws('a name holds only a-zA-Z0-9_.- and / (no spaces)', NAMES), () => {
    expect(cliError(cli.space)?.code).toBe('ValidationException');
  });

  it(aws('a hierarchy has at most 15 levels', NAMES), () => {
    expect(cli.deep15!.rc).toBe(0);
    expect(cliError(cli.deep16)?.code).toBe('HierarchyLevelLimitExceededException');
  });

  it(aws('GetParameter of a missing name is ParameterNotFound', GET), () => {
    expect(cliError(cli.missing)?.code).toBe('ParameterNotFound');
  });
});

describe('SSM DescribeParameters', () => {
  it(aws("lists the account's parameters, not the public /aws/service ones", DESCRIBE), () => {
    const names = (cli.describeAll!.json.Parameters as Array<{ Name: string }>).map((p) => p.Name);
    expect(names).toContain('/acme/db/host');
    expect(names.some((n) => n.startsWith('/aws/'))).toBe(false);
    expect(cli.describeAll!.json.Parameters[0]).toHaveProperty('Tier');
  });

  it(aws('a Path filter with OneLevel lists that level only', FILTER), () => {
    const names = (cli.describePath!.json.Parameters as Array<{ Name: string }>).map((p) => p.Name).sort();
    expect(names).toEqual(['/acme/db/host', '/acme/db/port']);
  });

  it(aws('a Path filter takes only Recursive or OneLevel (InvalidFilterOption)', FILTER), () => {
    expect(cliError(cli.describeBadOption)?.code).toBe('InvalidFilterOption');
  });

  it(aws('Name BeginsWith/Contains and Tier filters', FILTER), async () => {
    const begins = await ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/acme/db'] }],
      }),
    );
    const advanced = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Tier', Values: ['Advanced'] }] }),
    );
    expect(begins.Parameters?.map((p) => p.Name).sort()).toEqual([
      '/acme/db/host',
      '/acme/db/port',
      '/acme/db/replica/host',
    ]);
    expect(advanced.Parameters?.map((p) => p.Name).sort()).toEqual([
      '/acme/advanced-max',
      '/acme/intelligent',
    ]);
  });

  it(aws('pages with MaxResults (1–50) and NextToken', DESCRIBE), async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ssm.send(new DescribeParametersCommand({ MaxResults: 2, NextToken: token }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
      token = page.NextToken;
      pages += 1;
    } while (token);
    const tooMany = await errorOf(ssm.send(new DescribeParametersCommand({ MaxResults: 51 })));
    expect(pages).toBeGreaterThan(2);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('/other/x');
    expect(tooMany.name).toBe('ValidationException');
  });

  it(aws('an unknown filter key is InvalidFilterKey', FILTER), async () => {
    const error = await errorOf(
      ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] })),
    );
    expect(error.name).toBe('InvalidFilterKey');
  });
});
