import { stringify } from 'yaml';
import { validManifest } from './helpers.ts';

/**
 * The hostile-input corpus (issue 14): each case is bytes (or a special file), the verdict a
 * person should get, and a fragment the first message that matters must contain. Grouped as the
 * issue lists them: encodings, special files, YAML features, every field's boundaries, AWS naming
 * rules, ARN forms.
 */
export type Verdict = 'reject' | 'accept';

export interface HostileCase {
  group: 'encoding' | 'special file' | 'yaml' | 'boundary' | 'aws naming' | 'arn';
  name: string;
  verdict: Verdict;
  /** For a rejection: a fragment of some problem's message (or the one-line error). */
  fragment?: string;
  /** Manifest bytes or text … */
  input?: string | Uint8Array;
  /** … or a special file the test prepares: its name in the corpus directory, or an absolute path. */
  special?:
    | 'directory'
    | 'fifo'
    | 'symlink-loop'
    | 'socket'
    | 'missing'
    | '/dev/zero'
    | '/dev/null'
    | '/dev/urandom';
  file?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const BASE = 'version: 1\nproject: acme\n';
/** A valid minimal manifest: without a certificate, plain HTTP must be accepted in so many words. */
const PLAIN = 'app: { allowPlainHttp: true }\n';
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The valid manifest with values set at paths (created as needed), as YAML. */
function withValue(path: (string | number)[], value: Json, more: [(string | number)[], Json][] = []): string {
  const m = validManifest() as unknown as Record<string, Json>;
  for (const [p, v] of [[path, value] as [(string | number)[], Json], ...more]) {
    let node = m as Record<string | number, Json>;
    for (const segment of p.slice(0, -1)) {
      if (node[segment] === undefined || node[segment] === null) node[segment] = {};
      node = node[segment] as Record<string | number, Json>;
    }
    node[p.at(-1)!] = v;
  }
  return stringify(m);
}

const at = (path: string) => path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

export function buildHostileCorpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  const reject = (
    group: HostileCase['group'],
    name: string,
    input: string | Uint8Array,
    fragment: string,
    file?: string,
  ) => cases.push({ group, name, verdict: 'reject', input, fragment, ...(file ? { file } : {}) });
  const accept = (group: HostileCase['group'], name: string, input: string | Uint8Array, file?: string) =>
    cases.push({ group, name, verdict: 'accept', input, ...(file ? { file } : {}) });

  // ---- encodings ----
  const utf32 = (text: string, big = false) => {
    const out = Buffer.alloc(text.length * 4);
    for (let i = 0; i < text.length; i++) out[i * 4 + (big ? 3 : 0)] = text.charCodeAt(i);
    return out;
  };
  reject(
    'encoding',
    'UTF-16LE without BOM',
    Buffer.from(BASE, 'utf16le'),
    'UTF-16 (little-endian) without a byte order mark',
  );
  reject(
    'encoding',
    'UTF-16BE without BOM',
    Buffer.from(BASE, 'utf16le').swap16(),
    'UTF-16 (big-endian) without a byte order mark',
  );
  reject('encoding', 'UTF-32LE without BOM', utf32(BASE), 'UTF-32 (little-endian)');
  reject('encoding', 'UTF-32BE without BOM', utf32(BASE, true), 'UTF-32 (big-endian)');
  reject(
    'encoding',
    'UTF-16LE with BOM',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BASE, 'utf16le')]),
    'UTF-16 (or UTF-32)',
  );
  reject(
    'encoding',
    'UTF-16BE with BOM',
    Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(BASE, 'utf16le').swap16()]),
    'UTF-16 (or UTF-32)',
  );
  reject(
    'encoding',
    'Latin-1 é',
    Buffer.from(`${BASE}app: { environment: { NAME: "caf\xe9" } }\n`, 'latin1'),
    'is not UTF-8',
  );
  reject(
    'encoding',
    'Windows-1252 quote',
    Buffer.from(`${BASE}# \x93quoted\x94\n`, 'latin1'),
    'is not UTF-8',
  );
  reject(
    'encoding',
    'overlong UTF-8 slash',
    Buffer.concat([Buffer.from(BASE), Buffer.from([0x23, 0xc0, 0xaf, 0x0a])]),
    'is not UTF-8',
  );
  reject(
    'encoding',
    'UTF-8 surrogate half',
    Buffer.concat([Buffer.from(BASE), Buffer.from([0x23, 0xed, 0xa0, 0x80, 0x0a])]),
    'is not UTF-8',
  );
  reject(
    'encoding',
    'truncated UTF-8 sequence',
    Buffer.concat([Buffer.from(BASE), Buffer.from([0x23, 0xe2, 0x82])]),
    'is not UTF-8',
  );
  reject('encoding', 'lone surrogate in text', `${BASE}# \ud800\n`, 'lone surrogate');
  reject('encoding', 'NUL byte', `${BASE}\0\n`, 'control character U+0000');
  reject(
    'encoding',
    'escape sequence producing NUL',
    `${BASE}app: { environment: { NAME: "a\\0b" } }\n`,
    'control character U+0000 is not allowed in a value',
  );
  reject('encoding', 'bell character', `${BASE}# \x07\n`, 'control character U+0007');
  reject('encoding', 'DEL character', `${BASE}# \x7f\n`, 'control character U+007F');
  reject('encoding', 'C1 control', `${BASE}# \x9b\n`, 'control character U+009B');
  reject(
    'encoding',
    'bidi override (Trojan Source)',
    `${BASE}# \u202e\n`,
    'bidirectional-text control U+202E',
  );
  reject('encoding', 'bidi isolate', `${BASE}# \u2066\n`, 'bidirectional-text control U+2066');
  reject('encoding', 'U+FFFE noncharacter', `${BASE}# \ufffe\n`, 'control character U+FFFE');
  reject('encoding', 'CR-only line endings', BASE.replaceAll('\n', '\r'), 'carriage returns (CR) alone');
  reject('encoding', 'mixed CR and LF', 'version: 1\rproject: acme\n', 'carriage returns (CR) alone');
  reject(
    'encoding',
    'NBSP indentation',
    `${BASE}network:\n\u00a0\u00a0cidr: 10.40.0.0/16\n`,
    'non-breaking space (U+00A0)',
  );
  reject(
    'encoding',
    'ideographic space indentation',
    `${BASE}network:\n\u3000cidr: 10.40.0.0/16\n`,
    'a Unicode space (U+3000)',
  );
  reject(
    'encoding',
    'zero-width space indentation',
    `${BASE}network:\n\u200bcidr: 10.40.0.0/16\n`,
    'a Unicode space (U+200B)',
  );
  reject('encoding', 'tab indentation', `${BASE}network:\n\tcidr: 10.40.0.0/16\n`, 'indent');
  reject(
    'encoding',
    'file over 1 MiB',
    `${BASE}#${'x'.repeat(1024 * 1024)}\n`,
    'more than the 1048576 bytes (1 MiB)',
  );
  accept(
    'encoding',
    'UTF-8 with BOM',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BASE + PLAIN)]),
  );
  accept('encoding', 'CRLF line endings', (BASE + PLAIN).replaceAll('\n', '\r\n'));
  accept(
    'encoding',
    'UTF-8 accents in a comment and a value',
    `${BASE}# café ☕\napp: { allowPlainHttp: true, environment: { GREETING: "grüß dich" } }\n`,
  );
  accept(
    'encoding',
    'emoji in a value',
    `${BASE}app: { allowPlainHttp: true, environment: { MOTTO: "ship it 🚀" } }\n`,
  );
  accept('encoding', 'no final newline', `${BASE}app: { allowPlainHttp: true }`);

  // ---- special files (read through the CLI's bounded reader) ----
  const special = (name: string, kind: NonNullable<HostileCase['special']>, fragment: string) =>
    cases.push({ group: 'special file', name, verdict: 'reject', special: kind, fragment });
  special('/dev/zero', '/dev/zero', 'is a device, not a manifest file');
  special('/dev/urandom', '/dev/urandom', 'is a device, not a manifest file');
  special('/dev/null', '/dev/null', 'is a device, not a manifest file');
  special('a FIFO', 'fifo', 'is a named pipe (FIFO), not a manifest file');
  special('a directory', 'directory', 'is a directory, not a manifest file');
  special('a symlink loop', 'symlink-loop', 'symbolic link that loops back on itself');
  special('a socket', 'socket', 'is a socket or device, not a manifest file');
  special('a missing file', 'missing', 'No manifest at');

  // ---- YAML features ----
  reject('yaml', 'undefined alias', `${BASE}environment: *nope\n`, 'the alias *nope refers to no anchor');
  reject(
    'yaml',
    'alias bomb',
    `${BASE}a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 12 },
      (_, i) =>
        `b${i}: &b${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*b${i - 1}`)
          .join(', ')}]`,
    ).join('\n')}\n`,
    'aliases expand to too much data',
  );
  reject('yaml', 'merge key', `${BASE}base: &b { cpu: 512 }\napp: { web: { <<: *b } }\n`, 'unknown key');
  reject('yaml', 'binary tag', `${BASE}app: { environment: { X: !!binary aGVsbG8= } }\n`, 'expected text');
  reject('yaml', 'python object tag', `${BASE}app: !!python/object:os.system { }\n`, 'tag');
  reject('yaml', 'custom tag', `${BASE}project: !Ref acme\n`, 'tag');
  reject('yaml', 'two documents', `${BASE}---\n${BASE}`, 'the file holds 2 YAML documents');
  reject(
    'yaml',
    'deep flow nesting',
    `${BASE}x: ${'['.repeat(40)}${']'.repeat(40)}\n`,
    'nesting is deeper than 32 levels',
  );
  reject(
    'yaml',
    'deep block nesting',
    `${BASE}x:\n${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
    'nesting is deeper than 32 levels',
  );
  reject('yaml', 'dashes on one line', `${BASE}x: ${'- '.repeat(40)}y\n`, 'fix the YAML syntax');
  reject('yaml', 'duplicate key', `${BASE}project: other\n`, 'duplicate key "project"');
  reject(
    'yaml',
    'duplicate nested key',
    `${BASE}network:\n  cidr: 10.40.0.0/16\n  cidr: 10.41.0.0/16\n`,
    'duplicate key "cidr"',
  );
  reject('yaml', 'complex key', `${BASE}? [a, b]\n: 1\n`, 'keys must be plain names');
  reject(
    'yaml',
    '__proto__ key',
    `${BASE}app: { environment: { __proto__: { polluted: "1" } } }\n`,
    '__proto__',
  );
  reject('yaml', 'empty file', '', 'the file is empty');
  reject('yaml', 'only comments', '# nothing here\n# at all\n', 'the file is empty');
  reject('yaml', 'only whitespace', '   \n\n  \n', 'the file is empty');
  reject('yaml', 'a scalar document', 'just text\n', 'must be a map of keys');
  reject('yaml', 'a list document', '- version: 1\n- project: acme\n', 'must be a map of keys');
  reject('yaml', 'null document', '~\n', 'the file is empty');
  reject('yaml', 'unclosed flow map', `${BASE}network: { cidr: 10.40.0.0/16\n`, 'fix the YAML syntax');
  reject('yaml', 'unclosed quote', `${BASE}environment: "production\n`, 'fix the YAML syntax');
  reject('yaml', 'bad indentation', `${BASE}network:\n  cidr: 10.40.0.0/16\n natGateways: single\n`, 'YAML');
  reject(
    'yaml',
    'deployTag 1.10 unquoted',
    `${BASE}app: { deployTag: 1.10 }\n`,
    'expected text, found a number',
  );
  reject(
    'yaml',
    'deployTag true unquoted',
    `${BASE}app: { deployTag: true }\n`,
    'expected text, found true/false',
  );
  reject(
    'yaml',
    'yes for a boolean',
    `${BASE}app: { redirectWww: yes }\n`,
    'expected true or false, found the text "yes"',
  );
  reject(
    'yaml',
    'quoted number',
    `${BASE}database: { readers: "1" }\n`,
    'expected a number, found the text "1"',
  );
  reject('yaml', 'null value', `${BASE}network:\n`, 'expected a map of keys, found nothing');
  reject('yaml', 'misspelt key projcet', 'version: 1\nprojcet: acme\n', 'unknown key "projcet"');
  reject(
    'yaml',
    'misspelt nested key',
    `${BASE}network: { natGateway: single }\n`,
    'unknown key "natGateway"',
  );
  reject('yaml', 'missing version', 'project: acme\n', 'version is required');
  reject('yaml', 'version 2', 'version: 2\nproject: acme\n', 'must be 1');
  reject('yaml', 'version as text', 'version: "1"\nproject: acme\n', 'must be 1');
  reject('yaml', 'missing project', 'version: 1\n', 'project is required');
  reject(
    'yaml',
    'JSON with a trailing comma',
    '{"version": 1, "project": "acme",}',
    'invalid JSON',
    'm.json',
  );
  reject('yaml', 'JSON with a comment', '{"version": 1, // x\n"project": "acme"}', 'invalid JSON', 'm.json');
  reject('yaml', 'YAML in a .json file', BASE, 'invalid JSON', 'm.json');
  reject(
    'yaml',
    'JSON duplicate key',
    '{"version": 1, "project": "acme", "project": "b"}',
    'duplicate key "project"',
    'm.json',
  );
  reject(
    'yaml',
    'huge key list',
    `${BASE}${Array.from({ length: 300 }, (_, i) => `k${i}: 1`).join('\n')}\n`,
    'unknown key',
  );
  reject(
    'yaml',
    '10,000-character project',
    `version: 1\nproject: ${'a'.repeat(10_000)}\n`,
    '(10000 characters) is not valid',
  );
  accept(
    'yaml',
    'anchors and aliases',
    `${BASE}app:\n  allowPlainHttp: true\n  release: &m [php, artisan, migrate, --force]\n  workers: [{ name: default, command: *m }]\n`,
  );
  accept(
    'yaml',
    'JSON manifest',
    '{"version": 1, "project": "acme", "app": {"allowPlainHttp": true}}',
    'm.json',
  );
  accept(
    'yaml',
    'JSON by content in a .txt file',
    '{"version": 1, "project": "acme", "app": {"allowPlainHttp": true}}',
    'm.txt',
  );
  accept('yaml', 'explicit document start', `---\n${BASE}${PLAIN}`);
  accept('yaml', 'document end marker', `${BASE}${PLAIN}...\n`);
  accept(
    'yaml',
    'comments everywhere',
    `# top\nversion: 1 # inline\n# middle\nproject: acme # end\n${PLAIN}`,
  );
  accept('yaml', 'quoted keys', `"version": 1\n'project': acme\n${PLAIN}`);
  accept(
    'yaml',
    'block scalar value',
    `${BASE}app:\n  allowPlainHttp: true\n  environment:\n    NOTE: |\n      line one\n      line two\n`,
  );
  accept('yaml', 'deployTag "1.10" quoted', `${BASE}app: { allowPlainHttp: true, deployTag: "1.10" }\n`);
  accept('yaml', '$schema key', `$schema: ./schema/manifest.v1.json\n${BASE}${PLAIN}`);

  // ---- every field's boundaries ----
  const bound = (path: string, value: Json, fragment?: string) => {
    const name = `${path} = ${JSON.stringify(value)}`;
    // Another project or environment moves the secrets' prefix: the fixture's secret stays valid
    // only as an external one (the security rules).
    const more: [(string | number)[], Json][] =
      path === 'project' || path === 'environment' ? [[['app', 'externalSecrets'], true]] : [];
    if (fragment) reject('boundary', name, withValue(at(path), value, more), fragment);
    else accept('boundary', name, withValue(at(path), value, more));
  };
  bound('network.availabilityZones', 1, 'must be at least 2');
  bound('network.availabilityZones', 2);
  bound('network.availabilityZones', 3);
  bound('network.availabilityZones', 4, 'must be at most 3');
  bound('network.availabilityZones', 2.5, 'expected a whole number');
  bound('network.natGateways', 'single');
  bound('network.natGateways', 'none');
  bound('network.natGateways', 'two', 'must be one of per-az, single, none');
  bound('network.cidr', '10.40.0.0/15', 'a /15 VPC is not supported');
  bound('network.cidr', '10.40.0.0/16');
  bound('network.cidr', '10.40.0.0/23');
  bound('network.cidr', '10.40.0.0/24', 'a /24 VPC is not supported');
  bound('network.cidr', '10.40.0.1/16', 'has host bits set');
  bound('network.cidr', '8.8.0.0/16', 'is not a private address range');
  bound('network.cidr', '172.16.0.0/16');
  bound('network.cidr', '172.32.0.0/16', 'is not a private address range');
  bound('network.cidr', '192.168.0.0/16');
  bound('network.cidr', '10.0.0.0/33', 'an IPv4 CIDR');
  bound('network.cidr', '10.0.0.256/16', 'an IPv4 CIDR');
  bound('network.cidr', 'fd00::/48', 'an IPv4 CIDR');
  bound('database.readers', -1, 'must be at least 0');
  bound('database.readers', 0);
  bound('database.readers', 1);
  bound('database.readers', 2, 'do not fit in 2 availability zones');
  bound('database.readers', 3, 'must be at most 2');
  bound('database.backupRetentionDays', 0, 'must be at least 1');
  bound('database.backupRetentionDays', 1);
  bound('database.backupRetentionDays', 35);
  bound('database.backupRetentionDays', 36, 'must be at most 35');
  bound('database.databaseName', 'a'.repeat(63));
  bound('database.databaseName', 'a'.repeat(64), 'at most 63');
  bound('database.databaseName', '1app', 'a letter, then letters, digits or underscores');
  bound('database.databaseName', 'my-app', 'a letter, then letters, digits or underscores');
  bound('database.databaseName', 'my_app');
  bound('database.engine', 'aurora-postgresql');
  bound('database.engine', 'mysql', 'must be one of aurora-mysql, aurora-postgresql');
  bound('database.serverless', { minCapacity: 0.5, maxCapacity: 1 });
  reject(
    'boundary',
    'instanceClass and serverless together',
    withValue(['database', 'instanceClass'], 'db.r6g.large', [
      [['database', 'serverless'], { minCapacity: 0.5, maxCapacity: 1 }],
    ]),
    'instanceClass and serverless cannot both be set',
  );
  bound('database.serverless', { minCapacity: 0.25, maxCapacity: 8 }, 'must be a multiple of 0.5');
  bound('database.serverless', { minCapacity: 4, maxCapacity: 2 }, 'maxCapacity 2 is below minCapacity 4');
  bound('database.serverless', { minCapacity: 0.5, maxCapacity: 0.5 }, 'must be at least 1');
  bound('database.serverless', { minCapacity: 0.5, maxCapacity: 256.5 }, 'must be at most 256');
  bound('database.serverless', { minCapacity: -1, maxCapacity: 8 }, 'must be at least 0');
  bound('app.web.cpu', 256);
  bound('app.web.cpu', 300, 'must be a Fargate CPU size');
  bound('app.web.cpu', 16384, 'is not a Fargate size for cpu 16384');
  bound('app.web.cpu', 32768, 'must be a Fargate CPU size');
  bound('app.web.memory', 512, 'is not a Fargate size for cpu 512');
  bound('app.web.memory', 1024);
  bound('app.web.memory', 4096);
  bound('app.web.memory', 5120, 'is not a Fargate size for cpu 512');
  bound('app.web.memory', 1536, 'is not a Fargate size for cpu 512');
  bound('app.web.desiredCount', 0, 'must be at least 1');
  bound('app.web.desiredCount', 1, 'is outside autoscaling 2–10');
  bound('app.web.desiredCount', 10);
  bound('app.web.desiredCount', 1001, 'must be at most 1000');
  bound('app.web.port', 0, 'must be at least 1');
  bound('app.web.port', 1);
  bound('app.web.port', 65535);
  bound('app.web.port', 65536, 'must be at most 65535');
  bound('app.web.autoscaling.min', 0, 'must be at least 1');
  bound('app.web.autoscaling.min', 11, 'autoscaling max 10 is below min 11');
  bound('app.web.autoscaling.max', 1000);
  bound('app.web.autoscaling.max', 1001, 'must be at most 1000');
  bound('app.web.autoscaling.cpuTarget', 9, 'must be at least 10');
  bound('app.web.autoscaling.cpuTarget', 10);
  bound('app.web.autoscaling.cpuTarget', 90);
  bound('app.web.autoscaling.cpuTarget', 91, 'must be at most 90');
  bound('app.web.autoscaling.requestsPerTarget', 0, 'must be at least 1');
  bound('app.web.autoscaling.requestsPerTarget', 100000);
  bound('app.web.autoscaling.requestsPerTarget', 100001, 'must be at most 100000');
  bound('app.workers.0.name', 'a'.repeat(20));
  bound('app.workers.0.name', 'a'.repeat(21), '1–20 characters');
  bound('app.workers.0.name', 'Default', 'lower-case letters, digits and hyphens');
  bound('app.workers.0.name', '-x', 'lower-case letters, digits and hyphens');
  bound('app.workers.0.desiredCount', 0);
  bound('app.workers.0.desiredCount', -1, 'must be at least 0');
  bound('app.workers.0.command', [], 'must be at least 1 item');
  bound('app.workers.0.command', [''], 'must be at least 1 character');
  bound('app.workers.0.command', Array(65).fill('x'), 'must be at most 64 items');
  bound(
    'app.workers',
    Array.from({ length: 20 }, (_, i) => ({ name: `w${i}`, command: ['x'] })),
  );
  bound(
    'app.workers',
    Array.from({ length: 130 }, (_, i) => ({ name: `w${i}`, command: ['x'] })),
    "more than CloudFormation's 500",
  );
  bound(
    'app.workers',
    [
      { name: 'a', command: ['x'] },
      { name: 'a', command: ['y'] },
    ],
    'worker name a is already used',
  );
  bound('app.release', ['php', 'artisan', 'migrate', '--force']);
  // Commands are lists in the synthesised template: no character is reserved any more.
  bound('app.release', ['x\u241fy']);
  bound('app.healthCheckPath', '/');
  bound('app.healthCheckPath', 'up', 'a path starting with /');
  bound('app.healthCheckPath', '/health?x=1', 'a path starting with /');
  bound('app.healthCheckPath', `/${'a'.repeat(1023)}`);
  bound('app.healthCheckPath', `/${'a'.repeat(1024)}`, 'must be at most 1024 characters');
  bound('app.logRetentionDays', 1);
  bound('app.logRetentionDays', 365);
  bound('app.logRetentionDays', 2, 'expected 1, 3, 5, 7, 14, 30, 60, 90, 180 or 365');
  bound('app.logRetentionDays', 400, 'expected 1, 3, 5, 7, 14, 30, 60, 90, 180 or 365');
  bound('app.scheduler', false);
  bound('app.scheduler', { command: ['php', 'artisan', 'schedule:work'], cpu: 256, memory: 512 });
  bound('app.scheduler', { cpu: 256, memory: 4096 }, 'is not a Fargate size for cpu 256');
  bound('app.scheduler', 'yes', 'expected');
  bound('app.domain', 'shop.example.com');
  reject(
    'boundary',
    'app.domain without a certificate',
    withValue(['app', 'domain'], 'shop.example.com', [[['app', 'certificateArn'], null]]),
    'certificate',
  );
  bound('app.domain', 'Shop.Example.com', 'a lower-case DNS name');
  bound('app.domain', `${'a'.repeat(64)}.example.com`, 'a lower-case DNS name');
  bound('app.domain', 'localhost', 'a lower-case DNS name');
  bound('app.redirectWww', true, 'redirectWww needs app.domain');
  bound('app.environment', { APP_ENV: 'production', LOG_LEVEL: 'debug' });
  bound('app.environment', { 'app-env': 'x' }, 'is not a valid name');
  bound('app.environment', { DB_PASSWORD: 'x' }, 'DB_PASSWORD is set by stackdrop');
  bound('app.environment', { API_TOKEN: 'x' }, 'looks like a secret');
  bound('app.environment', { AWS_ACCESS_KEY_ID: 'x' }, 'must not be configured');
  bound('app.environment', { NOTE: 'x'.repeat(4097) }, 'must be at most 4096 characters');
  // No slots: 80 variables are fine (AWS's task definition and template sizes are the limits).
  bound('app.environment', Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`V${i}`, 'x'])));
  bound(
    'app.environment',
    { KEY_VALUE: 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    'looks like',
  );
  bound('bastion.maxTtlMinutes', 4, 'must be at least 5');
  bound('bastion.maxTtlMinutes', 5);
  bound('bastion.maxTtlMinutes', 1440);
  bound('bastion.maxTtlMinutes', 1441, 'must be at most 1440');
  bound('bastion.allowedCidrs', ['203.0.113.0/24']);
  bound('bastion.allowedCidrs', ['0.0.0.0/0'], 'opens the bastion to the whole internet');
  bound('bastion.allowedCidrs', ['10.0.0.0/15'], 'is too wide');
  bound('bastion.allowedCidrs', ['10.0.0.0/16']);
  bound('bastion.allowedCidrs', ['203.0.113.7/24'], 'has host bits set');
  bound(
    'bastion.allowedCidrs',
    Array.from({ length: 21 }, (_, i) => `203.0.${i}.0/24`),
    'must be at most 20 items',
  );
  bound('bastion.access', 'ssh');
  bound('bastion.access', 'telnet', 'must be one of ssm, ssh');
  bound('project', 'a', 'lower-case letters, digits and single hyphens');
  bound('project', 'ab');
  bound('project', 'a'.repeat(31));
  bound('project', 'a'.repeat(32), 'lower-case letters, digits and single hyphens');
  bound('project', 'my--shop', 'single hyphens');
  bound('project', 'shop-', 'not ending with a hyphen');
  bound('project', '1shop', 'starting with a letter');
  bound('project', 'Shop', 'lower-case');
  bound('environment', 'a');
  bound('environment', 'a'.repeat(16));
  bound('environment', 'a'.repeat(17), '1–16 characters');
  bound('environment', 'prod-eu', 'no hyphens');

  // ---- AWS naming rules ----
  const aws = (path: string, value: Json, fragment?: string) => {
    const name = `${path} = ${JSON.stringify(value)}`;
    if (fragment) reject('aws naming', name, withValue(at(path), value), fragment);
    else accept('aws naming', name, withValue(at(path), value));
  };
  for (const cls of [
    'db.t2.micro',
    'db.t3.micro',
    'db.t3.small',
    'db.t4g.small',
    'db.m5.large',
    'db.r4.large',
    'db.r3.large',
  ])
    aws('database.instanceClass', cls, 'is not an instance class Aurora offers');
  for (const cls of [
    'db.t3.medium',
    'db.t4g.medium',
    'db.t4g.large',
    'db.r5.large',
    'db.r6g.large',
    'db.r6i.xlarge',
    'db.r7g.large',
    'db.r8g.2xlarge',
  ])
    aws('database.instanceClass', cls);
  aws('database.instanceClass', 'r6g.large', 'an RDS instance class');
  for (const v of ['8.0.mysql_aurora.3.08.0', '8.0.mysql_aurora.3.10.3', '8.0.mysql_aurora.3.12.0'])
    aws('database.engineVersion', v);
  for (const v of ['8.0.mysql_aurora.3.04.0', '8.0.mysql_aurora.3.05.2', '8.0.mysql_aurora.3.99.0'])
    aws('database.engineVersion', v, 'is not an Aurora MySQL version AWS offers');
  aws('database.engineVersion', '5.7.mysql_aurora.2.11.2', 'is not a supported aurora-mysql version');
  aws('database.engineVersion', '16.6', 'is not a supported aurora-mysql version');
  for (const name of [
    'select',
    'table',
    'order',
    'group',
    'database',
    'mysql',
    'sys',
    'information_schema',
    'performance_schema',
    'SELECT',
  ])
    aws('database.databaseName', name, 'Aurora MySQL');
  for (const name of ['app', 'shop', 'laravel', 'orders', 'users_db']) aws('database.databaseName', name);
  const pg = (name: string, fragment?: string) => {
    const text = withValue(['database'], { engine: 'aurora-postgresql', readers: 1, databaseName: name });
    if (fragment) reject('aws naming', `aurora-postgresql databaseName = ${name}`, text, fragment);
    else accept('aws naming', `aurora-postgresql databaseName = ${name}`, text);
  };
  for (const name of [
    'postgres',
    'template0',
    'template1',
    'rdsadmin',
    'user',
    'select',
    'analyse',
    'window',
  ])
    pg(name, 'Aurora PostgreSQL');
  for (const name of ['app', 'shop', 'mysql']) pg(name);
  const pgVersion = (version: string, fragment?: string) => {
    const text = withValue(['database'], { engine: 'aurora-postgresql', readers: 1, engineVersion: version });
    if (fragment) reject('aws naming', `aurora-postgresql engineVersion = ${version}`, text, fragment);
    else accept('aws naming', `aurora-postgresql engineVersion = ${version}`, text);
  };
  for (const v of ['14.15', '15.10', '16.6', '17.7']) pgVersion(v);
  for (const v of ['14.3', '15.2', '16.99', '17.0'])
    pgVersion(v, 'is not an Aurora PostgreSQL version AWS offers');
  pgVersion('13.15', 'is not a supported aurora-postgresql version');
  for (const repo of ['acme', 'acme/web', 'acme-web_1.2', 'team/app/web']) aws('app.repository', repo);
  for (const [repo, fragment] of [
    ['Acme', 'a valid ECR repository name'],
    ['acme//web', 'a valid ECR repository name'],
    ['-acme', 'a valid ECR repository name'],
    ['acme-', 'a valid ECR repository name'],
    ['a', 'at least 2 characters'],
    ['acme web', 'a valid ECR repository name'],
  ] as const)
    aws('app.repository', repo, fragment);
  for (const tag of ['main', 'release-1.2', 'v1.10', '_private', 'A'.repeat(128)]) aws('app.deployTag', tag);
  for (const tag of ['.hidden', '-dash', 'a'.repeat(129), 'with space', 'semi;colon', 'ümlaut'])
    aws('app.deployTag', tag, 'a Docker image tag');

  // ---- ARN forms ----
  const arn = (path: string, value: string, fragment?: string, extra: [string, Json][] = []) => {
    const text = withValue(
      at(path),
      value,
      extra.map(([p, v]) => [at(p), v]),
    );
    if (fragment) reject('arn', `${path} = ${value}`, text, fragment);
    else accept('arn', `${path} = ${value}`, text);
  };
  const domain: [string, Json][] = [['app.domain', 'shop.example.com']];
  arn('app.certificateArn', CERT, undefined, domain);
  arn(
    'app.certificateArn',
    CERT.replace('eu-west-1', 'us-gov-west-1').replace('arn:aws:', 'arn:aws-us-gov:'),
    undefined,
    domain,
  );
  arn(
    'app.certificateArn',
    CERT.replace('eu-west-1', 'cn-north-1').replace('arn:aws:', 'arn:aws-cn:'),
    undefined,
    domain,
  );
  arn(
    'app.certificateArn',
    CERT.replace('eu-west-1', 'eu-west1'),
    'Region "eu-west1" is not a Region code',
    domain,
  );
  arn('app.certificateArn', CERT.replace('eu-west-1', 'europe-west-1'), 'is not a Region code', domain);
  arn('app.certificateArn', CERT.replace('eu-west-1', 'EU-WEST-1'), 'an ACM certificate ARN', domain);
  arn('app.certificateArn', CERT.replace('eu-west-1', ''), 'an ACM certificate ARN', domain);
  arn(
    'app.certificateArn',
    CERT.replace('123456789012', '12345678901'),
    'is not a 12-digit account id',
    domain,
  );
  arn('app.certificateArn', CERT.replace('123456789012', '1234-5678-9012'), 'an ACM certificate ARN', domain);
  arn(
    'app.certificateArn',
    CERT.replace('arn:aws:', 'arn:aws-cn:'),
    'belongs to partition aws, not aws-cn',
    domain,
  );
  arn('app.certificateArn', CERT.replace('arn:aws:', 'arn:aws-moon:'), 'partition "aws-moon"', domain);
  arn('app.certificateArn', CERT.replace(':acm:', ':acm-pca:'), 'an ACM certificate ARN', domain);
  arn(
    'app.certificateArn',
    CERT.replace(/certificate\/.*/, 'certificate/abc'),
    'certificate/<certificate id>',
    domain,
  );
  arn(
    'app.certificateArn',
    CERT.replace(/certificate\/.*/, 'certificate/1234ABCD-12AB-34CD-56EF-1234567890AB'),
    'certificate/<certificate id>',
    domain,
  );
  arn(
    'app.certificateArn',
    'arn:aws:acm:eu-west-1:123456789012:cert/1234abcd-12ab-34cd-56ef-1234567890ab',
    'an ACM certificate ARN',
    domain,
  );
  arn('app.certificateArn', 'not-an-arn', 'an ACM certificate ARN', domain);
  const SECRET =
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf';
  arn('app.secrets.APP_KEY', SECRET);
  arn(
    'app.secrets.APP_KEY',
    'arn:aws:ssm:eu-west-1:123456789012:parameter/stackdrop/acme/production/APP_KEY',
  );
  arn(
    'app.secrets.APP_KEY',
    'arn:aws-us-gov:secretsmanager:us-gov-east-1:123456789012:secret:stackdrop/acme/production/K-AbCdEf',
  );
  arn(
    'app.secrets.APP_KEY',
    SECRET.replace('eu-west-1', 'eu-west1'),
    'Region "eu-west1" is not a Region code',
  );
  arn('app.secrets.APP_KEY', SECRET.replace('eu-west-1', 'us-east-0'), 'is not a Region code');
  arn('app.secrets.APP_KEY', SECRET.replace('123456789012', '12345678901'), 'is not a 12-digit account id');
  arn(
    'app.secrets.APP_KEY',
    SECRET.replace('arn:aws:', 'arn:aws-cn:'),
    'belongs to partition aws, not aws-cn',
  );
  arn(
    'app.secrets.APP_KEY',
    SECRET.replace(':secret:', ':secrets:'),
    'a Secrets Manager or SSM parameter ARN',
  );
  arn(
    'app.secrets.APP_KEY',
    'arn:aws:ssm:eu-west-1:123456789012:parameter',
    'a Secrets Manager or SSM parameter ARN',
  );
  arn('app.secrets.APP_KEY', 'arn:aws:s3:::acme-secrets/app-key', 'a Secrets Manager or SSM parameter ARN');
  arn(
    'app.secrets.APP_KEY',
    'base64:c2VjcmV0IHZhbHVlIHRoYXQgc2hvdWxkIG5vdCBiZSBoZXJlISE=',
    'never the value itself',
  );
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:acme-alarms';
  arn('app.alarmTopicArn', TOPIC);
  arn('app.alarmTopicArn', TOPIC.replace('eu-west-1', 'eu-west1'), 'Region "eu-west1" is not a Region code');
  arn('app.alarmTopicArn', TOPIC.replace('acme-alarms', 'acme alarms'), 'an SNS topic ARN');
  arn('app.alarmTopicArn', TOPIC.replace(':sns:', ':sqs:'), 'an SNS topic ARN');
  arn('app.alarmTopicArn', `${TOPIC}.fifo`, 'an SNS topic ARN');
  return cases;
}
