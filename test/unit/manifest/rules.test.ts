import { describe, expect, it } from 'vitest';
import { checkDeployableValue, parseDeployableManifest } from '#shared/manifest/deployable.ts';
import {
  checkManifestValue,
  type ManifestProblem,
  networkOf,
  parseCidr,
  parseManifest,
} from '#shared/manifest/index.ts';
import { problemsOf, validManifest } from './helpers.ts';

type M = ReturnType<typeof validManifest>;
// biome-ignore lint/suspicious/noExplicitAny: cases reach into the manifest freely, as a user would
type Loose = any;

type Case = { rule: string; change: (m: Loose) => void; path: string; message: RegExp; hint: RegExp };

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/x-AbCdEf';

const cases: Case[] = [
  // network.cidr
  {
    rule: 'VPC range must be private',
    change: (m) => {
      m.network.cidr = '8.8.0.0/16';
    },
    path: 'network.cidr',
    message: /not a private address range/,
    hint: /10\.0\.0\.0\/8, 172\.16\.0\.0\/12 or 192\.168\.0\.0\/16/,
  },
  {
    rule: 'VPC range must lie inside 172.16.0.0/12',
    change: (m) => {
      m.network.cidr = '172.32.0.0/16';
    },
    path: 'network.cidr',
    message: /not a private/,
    hint: /RFC 1918/,
  },
  {
    rule: 'VPC prefix at least /16',
    change: (m) => {
      m.network.cidr = '10.0.0.0/12';
    },
    path: 'network.cidr',
    message: /a \/12 VPC is not supported/,
    hint: /from \/16 .* to \/23 .*\/27/,
  },
  {
    rule: 'VPC prefix at most /23 (a load balancer needs /27 subnets)',
    change: (m) => {
      m.network.cidr = '10.0.0.0/24';
    },
    path: 'network.cidr',
    message: /a \/24 VPC/,
    hint: /\/27, the smallest a load balancer accepts, 27 usable each/,
  },
  {
    rule: 'project name without a trailing or doubled hyphen (RDS cluster identifiers)',
    change: (m) => {
      (m as { project: string }).project = 'my--shop';
    },
    path: 'project',
    message: /not ending with a hyphen/,
    hint: /.+/,
  },
  {
    rule: 'VPC host bits zero',
    change: (m) => {
      m.network.cidr = '10.40.1.0/16';
    },
    path: 'network.cidr',
    message: /10\.40\.1\.0\/16 has host bits set/,
    hint: /write 10\.40\.0\.0\/16/,
  },
  {
    rule: 'VPC host bits zero at /20',
    change: (m) => {
      m.network.cidr = '192.168.17.0/20';
    },
    path: 'network.cidr',
    message: /host bits/,
    hint: /write 192\.168\.16\.0\/20/,
  },
  // database
  {
    rule: 'instanceClass and serverless exclusive',
    change: (m) => {
      m.database.instanceClass = 'db.r7g.large';
      m.database.serverless = { minCapacity: 1, maxCapacity: 2 };
    },
    path: 'database.serverless',
    message: /cannot both be set/,
    hint: /remove the other/,
  },
  {
    rule: 'serverless max ≥ min',
    change: (m) => {
      m.database.serverless = { minCapacity: 4, maxCapacity: 2 };
    },
    path: 'database.serverless.maxCapacity',
    message: /maxCapacity 2 is below minCapacity 4/,
    hint: /at least 4/,
  },
  {
    rule: 'readers fit the AZs (2 AZs)',
    change: (m) => {
      m.database.readers = 2;
    },
    path: 'database.readers',
    message: /2 readers do not fit in 2 availability zones/,
    hint: /at most 1 reader, or set network.availabilityZones to 3/,
  },
  {
    rule: 'readers fit the AZs (default AZs)',
    change: (m) => {
      delete m.network.availabilityZones;
      m.database.readers = 2;
    },
    path: 'database.readers',
    message: /do not fit/,
    hint: /at most 1 reader/,
  },
  {
    rule: 'aurora-mysql version family',
    change: (m) => {
      m.database.engineVersion = '5.7.mysql_aurora.2.12.1';
    },
    path: 'database.engineVersion',
    message: /not a supported aurora-mysql version/,
    hint: /8\.0\.mysql_aurora\.3/,
  },
  {
    rule: 'aurora-postgresql major 14–17',
    change: (m) => {
      m.database.engine = 'aurora-postgresql';
      m.database.engineVersion = '13.9';
    },
    path: 'database.engineVersion',
    message: /13\.9 is not a supported aurora-postgresql version/,
    hint: /14, 15, 16 or 17/,
  },
  {
    rule: 'version of the other engine',
    change: (m) => {
      m.database.engine = 'aurora-postgresql';
      m.database.engineVersion = '8.0.mysql_aurora.3.10.0';
    },
    path: 'database.engineVersion',
    message: /not a supported aurora-postgresql/,
    hint: /omit engineVersion/,
  },
  // app
  {
    rule: 'a domain is served over HTTPS (its certificate made through its zone): plain HTTP is refused',
    change: (m) => {
      delete m.app.certificateArn;
      m.app.allowPlainHttp = true;
      m.app.domain = 'shop.example.com';
    },
    path: 'app.allowPlainHttp',
    message: /allowPlainHttp is set together with domain/,
    hint: /HTTP always redirects to HTTPS/,
  },
  {
    rule: 'hostedZoneId needs a domain',
    change: (m) => {
      delete m.app.domain;
      m.app.redirectWww = false;
      m.app.hostedZoneId = 'Z0123456789ABCDEFGHIJ';
    },
    path: 'app.hostedZoneId',
    message: /hostedZoneId needs app.domain/,
    hint: /name in that zone/,
  },
  {
    rule: 'a CloudFront certificate needs a domain',
    change: (m) => {
      delete m.app.domain;
      m.app.redirectWww = false;
      m.app.cdn = {
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333',
      };
    },
    path: 'app.cdn.certificateArn',
    message: /CloudFront certificate needs app.domain/,
    hint: /cloudfront\.net/,
  },
  {
    rule: 'CloudFront certificates are in us-east-1',
    change: (m) => {
      m.app.domain = 'shop.example.com';
      m.app.cdn = {
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333',
      };
    },
    path: 'app.cdn.certificateArn',
    message: /us-east-1 only/,
    hint: /./,
  },
  {
    rule: 'a firewall needs at least one rule',
    change: (m) => {
      m.app.firewall = { managedRules: [] };
    },
    path: 'app.firewall',
    message: /the firewall has no rules/,
    hint: /rateLimitPerIp/,
  },
  {
    rule: 'a managed rule group is listed once',
    change: (m) => {
      m.app.firewall = { managedRules: ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesCommonRuleSet'] };
    },
    path: 'app.firewall.managedRules[1]',
    message: /listed twice/,
    hint: /once/,
  },
  {
    rule: 'managed rule groups are names from AWS’s list',
    change: (m) => {
      m.app.firewall = { managedRules: ['AWSManagedRulesCommonRuleSett'] };
    },
    path: 'app.firewall.managedRules[0]',
    message: /AWSManagedRulesCommonRuleSet/,
    hint: /./,
  },
  {
    rule: 'the rate limit is at least AWS WAF’s minimum of 10',
    change: (m) => {
      m.app.firewall = { rateLimitPerIp: 5 };
    },
    path: 'app.firewall.rateLimitPerIp',
    message: /10/,
    hint: /./,
  },
  {
    rule: 'HTTPS unless plain HTTP is accepted in so many words',
    change: (m) => {
      delete m.app.certificateArn;
    },
    path: 'app.certificateArn',
    message: /plain HTTP/,
    hint: /set app\.certificateArn .*or set app\.allowPlainHttp: true/,
  },
  {
    rule: 'allowPlainHttp contradicts a certificate',
    change: (m) => {
      m.app.allowPlainHttp = true;
    },
    path: 'app.allowPlainHttp',
    message: /together with certificateArn/,
    hint: /remove allowPlainHttp/,
  },
  {
    rule: 'Secrets Manager references under the project prefix',
    change: (m) => {
      m.app.secrets.APP_KEY = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/app-key-AbCdEf';
    },
    path: 'app.secrets.APP_KEY',
    message: /shared\/app-key-AbCdEf is outside stackdrop\/acme\/production\//,
    hint: /aws secretsmanager create-secret --name stackdrop\/acme\/production\/APP_KEY .*app\.externalSecrets: true/,
  },
  {
    rule: 'another project’s secrets are outside the prefix too',
    change: (m) => {
      m.app.secrets.APP_KEY =
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/other/production/APP_KEY-AbCdEf';
    },
    path: 'app.secrets.APP_KEY',
    message: /outside stackdrop\/acme\/production\//,
    hint: /create-secret/,
  },
  {
    rule: 'SSM references under the project prefix',
    change: (m) => {
      m.app.secrets.MAIL_PASSWORD = 'arn:aws:ssm:eu-west-1:123456789012:parameter/mail/password';
    },
    path: 'app.secrets.MAIL_PASSWORD',
    message: /parameter \/mail\/password is outside \/stackdrop\/acme\/production\//,
    hint: /aws ssm put-parameter --name \/stackdrop\/acme\/production\/MAIL_PASSWORD --type SecureString/,
  },
  {
    rule: 'no AWS SDK endpoint override in the environment',
    change: (m) => {
      m.app.environment.AWS_ENDPOINT_URL_S3 = 'https://attacker.example';
    },
    path: 'app.environment.AWS_ENDPOINT_URL_S3',
    message: /read by the container runtime or the AWS SDK/,
    hint: /reroute/,
  },
  {
    rule: 'no AWS_REGION override',
    change: (m) => {
      m.app.environment.AWS_REGION = 'us-east-1';
    },
    path: 'app.environment.AWS_REGION',
    message: /AWS SDK/,
    hint: /AWS_URL and AWS_USE_PATH_STYLE_ENDPOINT are allowed/,
  },
  {
    rule: 'no loader variables',
    change: (m) => {
      m.app.environment.LD_PRELOAD = '/tmp/x.so';
    },
    path: 'app.environment.LD_PRELOAD',
    message: /container runtime/,
    hint: /Dockerfile/,
  },
  {
    rule: 'no PATH override',
    change: (m) => {
      m.app.environment.PATH = '/tmp:/usr/bin';
    },
    path: 'app.environment.PATH',
    message: /container runtime/,
    hint: /Dockerfile/,
  },
  {
    rule: 'runtime variables are refused in secrets too',
    change: (m) => {
      m.app.secrets.NODE_OPTIONS =
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/NODE_OPTIONS-AbCdEf';
    },
    path: 'app.secrets.NODE_OPTIONS',
    message: /container runtime/,
    hint: /Dockerfile/,
  },
  {
    rule: 'redirectWww needs domain',
    change: (m) => {
      m.app.redirectWww = true;
    },
    path: 'app.redirectWww',
    message: /needs app.domain/,
    hint: /apex name/,
  },
  {
    rule: 'redirectWww with a www domain',
    change: (m) => {
      m.app.redirectWww = true;
      m.app.domain = 'www.example.com';
      m.app.certificateArn =
        'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
    },
    path: 'app.redirectWww',
    message: /www\.www\.example\.com/,
    hint: /set app.domain to example.com/,
  },
  {
    rule: 'web size is a Fargate pair',
    change: (m) => {
      m.app.web.cpu = 1024;
      m.app.web.memory = 1024;
    },
    path: 'app.web.memory',
    message: /memory 1024 is not a Fargate size for cpu 1024/,
    hint: /2048 to 8192 in steps of 1024/,
  },
  {
    rule: 'web size hint lists small sets',
    change: (m) => {
      m.app.web.cpu = 256;
      m.app.web.memory = 4096;
    },
    path: 'app.web.memory',
    message: /cpu 256/,
    hint: /512, 1024 or 2048/,
  },
  {
    rule: 'worker size is a Fargate pair',
    change: (m) => {
      m.app.workers[0].cpu = 512;
      m.app.workers[0].memory = 512;
    },
    path: 'app.workers[0].memory',
    message: /not a Fargate size for cpu 512/,
    hint: /1024, 2048, 3072 or 4096/,
  },
  {
    rule: 'scheduler size is a Fargate pair',
    change: (m) => {
      m.app.scheduler = { cpu: 4096, memory: 4096 };
    },
    path: 'app.scheduler.memory',
    message: /cpu 4096/,
    hint: /8192 to 30720 in steps of 1024/,
  },
  {
    rule: 'worker names unique',
    change: (m) => {
      m.app.workers.push({ name: 'default', command: ['php'] });
    },
    path: 'app.workers[1].name',
    message: /already used by workers\[0\]/,
    hint: /unique name/,
  },
  {
    rule: 'autoscaling min ≤ max',
    change: (m) => {
      m.app.web.autoscaling = { min: 5, max: 3 };
    },
    path: 'app.web.autoscaling.max',
    message: /max 3 is below min 5/,
    hint: /at least 5/,
  },
  {
    rule: 'desiredCount ≥ autoscaling min',
    change: (m) => {
      m.app.web.desiredCount = 1;
    },
    path: 'app.web.desiredCount',
    message: /desiredCount 1 is outside autoscaling 2–10/,
    hint: /between 2 and 10, or remove it to start at 2/,
  },
  {
    rule: 'desiredCount ≤ autoscaling max',
    change: (m) => {
      m.app.web.desiredCount = 11;
    },
    path: 'app.web.desiredCount',
    message: /outside autoscaling/,
    hint: /between 2 and 10/,
  },
  {
    rule: 'no PASSWORD in environment',
    change: (m) => {
      m.app.environment.MAIL_PASSWORD = 'x';
    },
    path: 'app.environment.MAIL_PASSWORD',
    message: /looks like a secret/,
    hint: /move it to app.secrets as an ARN/,
  },
  {
    rule: 'no SECRET in environment',
    change: (m) => {
      m.app.environment.STRIPE_SECRET = 'x';
    },
    path: 'app.environment.STRIPE_SECRET',
    message: /looks like a secret/,
    hint: /app.secrets/,
  },
  {
    rule: 'no TOKEN in environment',
    change: (m) => {
      m.app.environment.GITHUB_TOKEN = 'x';
    },
    path: 'app.environment.GITHUB_TOKEN',
    message: /looks like a secret/,
    hint: /app.secrets/,
  },
  {
    rule: 'no *_KEY in environment',
    change: (m) => {
      delete m.app.secrets.APP_KEY;
      m.app.environment.APP_KEY = 'x';
    },
    path: 'app.environment.APP_KEY',
    message: /APP_KEY looks like a secret/,
    hint: /APP_KEY: arn:aws:secretsmanager/,
  },
  {
    rule: 'no AWS credentials',
    change: (m) => {
      m.app.environment.AWS_ACCESS_KEY_ID = 'x';
    },
    path: 'app.environment.AWS_ACCESS_KEY_ID',
    message: /must not be configured/,
    hint: /task role/,
  },
  {
    rule: 'no secret-looking values',
    change: (m) => {
      m.app.environment.MAIL_FROM = `base64:${'A'.repeat(44)}`;
    },
    path: 'app.environment.MAIL_FROM',
    message: /value of MAIL_FROM looks like a key/,
    hint: /app.secrets/,
  },
  {
    rule: 'no access key id values',
    change: (m) => {
      m.app.environment.UPLOADS = 'AKIAIOSFODNN7EXAMPLE';
    },
    path: 'app.environment.UPLOADS',
    message: /looks like a key/,
    hint: /Secrets Manager/,
  },
  {
    rule: 'no reserved variable DB_HOST',
    change: (m) => {
      m.app.environment.DB_HOST = 'x';
    },
    path: 'app.environment.DB_HOST',
    message: /DB_HOST is set by stackdrop/,
    hint: /remove this entry/,
  },
  {
    rule: 'no reserved variable QUEUE_CONNECTION',
    change: (m) => {
      m.app.environment.QUEUE_CONNECTION = 'redis';
    },
    path: 'app.environment.QUEUE_CONNECTION',
    message: /set by stackdrop/,
    hint: /remove/,
  },
  {
    rule: 'no reserved variable in secrets',
    change: (m) => {
      m.app.secrets.DB_PASSWORD = SECRET_ARN;
    },
    path: 'app.secrets.DB_PASSWORD',
    message: /DB_PASSWORD is set by stackdrop/,
    hint: /managed secret/,
  },
  {
    rule: 'a key in environment or secrets, not both',
    change: (m) => {
      m.app.environment.MAIL_FROM_ADDRESS = 'a@b.c';
      m.app.secrets.MAIL_FROM_ADDRESS = SECRET_ARN;
    },
    path: 'app.secrets.MAIL_FROM_ADDRESS',
    message: /in both environment and secrets/,
    hint: /one place/,
  },
  {
    rule: 'environment fits the task definition',
    change: (m) => {
      for (let i = 0; i < 10; i++) m.app.environment[`BIG_${i}`] = 'x'.repeat(4000);
    },
    path: 'app.environment',
    message: /more than 32768/,
    hint: /64 KiB/,
  },
  {
    rule: 'manifest fits a Step Functions state (64 KiB of JSON), reported at its largest part',
    change: (m) => {
      // Every field within its own limit: 10 commands of 4,003 characters, 30 KB of environment.
      m.app.workers = Array.from({ length: 10 }, (_, i) => ({
        name: `w${i}`,
        command: Array.from({ length: 4 }, () => 'y'.repeat(1000)),
      }));
      for (let i = 0; i < 25; i++) m.app.environment[`V_${i}`] = 'x'.repeat(1200);
    },
    path: 'app.environment',
    message: /the manifest is 7\d KiB as JSON, more than 64 KiB .*256 KiB/,
    hint: /shorten commands or environment values \(the largest part, app\.environment is 30 KiB\)/,
  },
  {
    rule: "each task definition fits ECS's 64 KiB",
    change: (m) => {
      for (let i = 0; i < 30; i++) m.app.environment[`V_${i}`] = 'x'.repeat(1000);
      m.app.workers[0].command = Array.from({ length: 31 }, () => 'y'.repeat(1000));
      for (let i = 0; i < 20; i++) m.app.secrets[`S_${i}`] = SECRET_ARN;
    },
    path: 'app.workers[0].command',
    message: /the worker-default task definition would be up to \d+ bytes, more than ECS's 65536 \(64 KiB\)/,
    hint: /SSM parameters or a file in the image/,
  },
  {
    rule: "the app template fits CloudFormation's 500 resources",
    change: (m) => {
      m.app.workers = Array.from({ length: 125 }, (_, i) => ({ name: `w${i}`, command: ['php'] }));
    },
    path: 'app.workers',
    message: /would have 5\d\d resources, more than CloudFormation's 500/,
    hint: /each worker adds 4 resources/,
  },
  {
    rule: "the app template fits CloudFormation's 1 MB through S3",
    change: (m) => {
      for (let i = 0; i < 30; i++) m.app.environment[`V_${i}`] = 'x'.repeat(1000);
      m.app.workers = Array.from({ length: 40 }, (_, i) => ({ name: `w${i}`, command: ['php'] }));
    },
    path: 'app',
    message: /the app stage's template would be \d+ bytes, more than CloudFormation's 1048576 \(1 MB\)/,
    hint: /every variable and secret is written into each task definition \(40 workers, 31 environment variables/,
  },
  // bastion
  {
    rule: 'bastion not open to the internet',
    change: (m) => {
      m.bastion.allowedCidrs = ['0.0.0.0/0'];
    },
    path: 'bastion.allowedCidrs[0]',
    message: /whole internet/,
    hint: /\/16 or narrower/,
  },
  {
    rule: 'bastion ranges /16 or narrower',
    change: (m) => {
      m.bastion.allowedCidrs = ['203.0.113.0/24', '10.0.0.0/8'];
    },
    path: 'bastion.allowedCidrs[1]',
    message: /10\.0\.0\.0\/8 is too wide/,
    hint: /\/32/,
  },
  {
    rule: 'bastion ranges without host bits',
    change: (m) => {
      m.bastion.allowedCidrs = ['203.0.113.9/24'];
    },
    path: 'bastion.allowedCidrs[0]',
    message: /host bits/,
    hint: /write 203\.0\.113\.0\/24, or 203\.0\.113\.9\/32/,
  },
  {
    rule: 'repository name longer than an SQS FIFO message group id',
    change: (m) => {
      m.app.repository = `acme/${'r'.repeat(124)}`;
    },
    path: 'app.repository',
    message: /129 characters.*at most 128/,
    hint: /MessageGroupId/,
  },
  {
    rule: 'secrets KMS keys are key ARNs, not aliases',
    change: (m) => {
      m.app.secretsKmsKeyArns = ['arn:aws:kms:eu-west-1:123456789012:alias/app-secrets'];
    },
    path: 'app.secretsKmsKeyArns[0]',
    message: /KMS key ARN/,
    hint: /alias/,
  },
  {
    rule: 'secrets KMS keys share the region of the secrets',
    change: (m) => {
      m.app.secretsKmsKeyArns = [
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ];
    },
    path: 'app.secretsKmsKeyArns[0]',
    message: /us-east-1.*eu-west-1/,
    hint: /same region/,
  },
  {
    rule: 'ssh needs an allowed CIDR',
    change: (m) => {
      m.bastion = { access: 'ssh' };
    },
    path: 'bastion.allowedCidrs',
    message: /needs at least one allowed CIDR/,
    hint: /access: ssm/,
  },
];

describe('cross-field rules', () => {
  it.each(cases)('$rule', ({ change, path, message, hint }) => {
    // Prepare
    const input = validManifest();
    change(input);

    // Act: with the deploy checks (AWS's limits on the synthesised template), as validate runs them
    const problems = problemsOf(checkDeployableValue(input, 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'm.yaml',
        path,
        message: expect.stringMatching(message),
        hint: expect.stringMatching(hint),
      }),
    ]);
  });

  it('accepts the base manifest every case starts from', () => {
    expect(checkManifestValue(validManifest()).ok).toBe(true);
  });

  it('lets APP_ENV and APP_URL be overridden', () => {
    // Prepare
    const input: M = validManifest();
    input.app!.environment = { APP_ENV: 'staging', APP_URL: 'https://example.com' };

    // Act
    const result = checkManifestValue(input);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('accepts a certificate without a domain (HTTPS on the load balancer name)', () => {
    // Prepare
    const input: M = validManifest();
    input.app!.certificateArn =
      'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });

  it("locates a release task definition over ECS's 64 KiB at file:line:col", () => {
    // Prepare
    const args = Array.from({ length: 31 }, () => `"${'a'.repeat(1000)}"`).join(', ');
    const env = Array.from({ length: 30 }, (_, i) => `    V_${i}: "${'v'.repeat(1000)}"`).join('\n');
    const text = `version: 1\nproject: acme\napp:\n  release: [php, ${args}]\n  allowPlainHttp: true\n  environment:\n${env}\n`;

    // Act
    const problems = problemsOf(parseDeployableManifest(text, 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'm.yaml',
        line: 4,
        col: 12,
        path: 'app.release',
        message: expect.stringMatching(
          /the release task definition would be up to \d+ bytes, more than ECS's 65536/,
        ),
      }),
    ]);
  });

  it('accepts a large manifest just within 64 KiB of JSON', () => {
    // Prepare: 44 KB of commands plus 16 KB of environment.
    const input: Loose = validManifest();
    input.app.release = Array.from({ length: 4 }, () => 'x'.repeat(1000));
    input.app.workers = Array.from({ length: 10 }, (_, i) => ({
      name: `w${i}`,
      command: Array.from({ length: 4 }, () => 'y'.repeat(1000)),
    }));
    for (let i = 0; i < 4; i++) input.app.environment[`BIG_${i}`] = 'z'.repeat(4000);

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });

  it('locates an oversized manifest at file:line:col of its largest part', () => {
    // Prepare
    const args = (n: number) => Array.from({ length: n }, () => `"${'x'.repeat(1000)}"`).join(', ');
    const env = Array.from({ length: 25 }, (_, i) => `V_${i}: "${'e'.repeat(1200)}"`).join(', ');
    const text = [
      'version: 1',
      'project: acme',
      'environment: production',
      'app:',
      '  allowPlainHttp: true',
      '  workers:',
      ...Array.from({ length: 10 }, (_, i) => `    - { name: w${i}, command: [${args(4)}] }`),
      `  environment: { ${env} }`,
      '',
    ].join('\n');

    // Act
    const problems = problemsOf(parseManifest(text, 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'm.yaml',
        line: 17,
        col: 16,
        path: 'app.environment',
        hint: expect.stringMatching(/app\.environment is 30 KiB/),
        message: expect.stringMatching(/more than 64 KiB/),
      }),
    ]);
  });

  it('allows 2 readers across 3 availability zones', () => {
    // Prepare
    const input: Loose = validManifest();
    input.network.availabilityZones = 3;
    input.database.readers = 2;

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });

  it('reports cross-field problems together with problems in single fields', () => {
    // Prepare
    const input: Loose = validManifest();
    input.project = 'Not Valid';
    input.database.readers = 2;
    input.app.web.memory = 'lots';
    delete input.app.certificateArn;
    input.app.allowPlainHttp = true;
    input.app.domain = 'shop.example.com';

    // Act
    const problems = problemsOf(checkManifestValue(input));

    // Assess
    expect(problems.map((p: ManifestProblem) => p.path).sort()).toEqual(
      ['app.allowPlainHttp', 'app.web.memory', 'database.readers', 'project'].sort(),
    );
  });
});

describe('secret references and runtime variables', () => {
  it('accepts a secret outside the project prefix with app.externalSecrets: true', () => {
    // Prepare
    const input: Loose = validManifest();
    input.app.secrets.APP_KEY = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/app-key';
    input.app.externalSecrets = true;

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });

  it('accepts a suffix-less secret ARN under the prefix (granted as <arn>-??????)', () => {
    // Prepare
    const input: Loose = validManifest();
    input.app.secrets.APP_KEY =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY';

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });

  it("accepts Laravel's AWS_URL and AWS_USE_PATH_STYLE_ENDPOINT", () => {
    // Prepare
    const input: Loose = validManifest();
    input.app.environment.AWS_URL = 'https://cdn.example.com';
    input.app.environment.AWS_USE_PATH_STYLE_ENDPOINT = 'false';

    // Act & Assess
    expect(checkManifestValue(input).ok).toBe(true);
  });
});

describe('CIDR arithmetic', () => {
  it('finds the network address of a CIDR', () => {
    expect(networkOf('10.40.1.0/16')).toBe('10.40.0.0/16');
    expect(networkOf('192.168.17.200/20')).toBe('192.168.16.0/20');
    expect(networkOf('203.0.113.9/32')).toBe('203.0.113.9/32');
    expect(networkOf('1.2.3.4/0')).toBe('0.0.0.0/0');
  });

  it('refuses text that is not an IPv4 CIDR', () => {
    expect(parseCidr('10.0.0.256/16')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0/16')).toBeUndefined();
  });
});
