import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { priceListEndpointRegion } from '#shared/aws-rules/price-list.ts';
import { type PreflightClients, preflightClients } from './commands/preflight.ts';
import type { Ui } from './ui.ts';
import type { Interrupt } from './watch.ts';

/** Where the local cloud listens unless STACKDROP_ENDPOINT says otherwise. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4566';
export const DEFAULT_STACK = 'stackdrop';
/** The local cloud's region (local/kernel.ts) unless AWS_REGION or --region says otherwise. */
export const DEFAULT_LOCAL_REGION = 'eu-west-1';

/** Options every command accepts (commander's global options). */
export interface GlobalOptions {
  region?: string;
  profile?: string;
  stack?: string;
  local?: boolean;
  endpointUrl?: string;
}

/** The resolved target: which account settings, which endpoint, which stackdrop stack. */
export interface Target {
  region?: string;
  profile?: string;
  endpoint?: string;
  stack: string;
  local: boolean;
}

export interface Clients {
  /** Read-only clients for `plan --live`'s preflight. */
  preflight: PreflightClients;
  cfn: CloudFormationClient;
  s3: S3Client;
  sfn: SFNClient;
  sqs: SQSClient;
  lambda: LambdaClient;
  /** The AWS Price List Query API for `plan --live`'s prices (it answers in three Regions only). */
  pricing: PricingClient;
}

/** What the commands need from the outside world; tests pass their own. */
export interface CliDeps {
  ui: Ui;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Builds the AWS clients for a target (one factory, so tests and the local cloud swap one thing). */
  clientsFor: (target: Target) => Clients;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Finds the caller's public IPv4 address (checkip.amazonaws.com in real use). */
  detectPublicIp: () => Promise<string>;
  /** Ctrl-C while a `--watch` runs (cli/index.ts wires SIGINT to it). */
  interrupt?: Interrupt;
  /** Standard input, for `-` as a manifest name (read bounded, never drained). */
  stdin?: AsyncIterable<Uint8Array | string> & { destroy?: () => void };
  /** Reads a line from the person at the terminal, or undefined when stdin is not interactive. */
  prompt?: (question: string) => Promise<string>;
  cwd: string;
  /** How often `--watch` polls, in milliseconds. */
  pollIntervalMs: number;
  /** Reads a stack template by its repository-relative path (default: this checkout's templates/). */
  readTemplate?: (templateFile: string) => Promise<string>;
  /**
   * Reads the local cloud's virtual clock (`GET /_local/clock`); with `--local` the commands tell
   * time by it, since the local cloud's time runs ahead of (or apart from) this machine's.
   */
  localClock?: (endpoint: string) => Promise<(() => Date) | undefined>;
  /** Reads all of standard input when it is piped (undefined on a terminal): `secrets set` values. */
  readStdin?: () => Promise<string | undefined>;
}

/** Resolves flags and environment into a target; `--local` wins over the AWS endpoint settings. */
export function resolveTarget(options: GlobalOptions, env: NodeJS.ProcessEnv): Target {
  const stack = options.stack ?? env.STACKDROP_STACK ?? DEFAULT_STACK;
  const explicit = options.endpointUrl ?? env.STACKDROP_ENDPOINT;
  const local = Boolean(options.local) || Boolean(options.endpointUrl) || Boolean(env.STACKDROP_ENDPOINT);
  const endpoint = options.local
    ? (explicit ?? DEFAULT_LOCAL_ENDPOINT)
    : (explicit ?? (env.AWS_ENDPOINT_URL || undefined));
  const region =
    options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? DEFAULT_LOCAL_REGION : undefined);
  return {
    stack,
    local,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/**
 * Builds every client the CLI uses from one target. Against the local cloud the credentials are
 * fixed fakes (it checks signatures' shape, not their secret) and S3 is addressed path-style.
 */
export function clientsFor(target: Target): Clients {
  const config = {
    maxAttempts: 5,
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.local
      ? { credentials: { accessKeyId: 'AKIDLOCALCLOUD', secretAccessKey: 'local-cloud-secret' } }
      : {}),
  };
  return {
    preflight: preflightClients(config),
    cfn: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: Boolean(target.endpoint) }),
    sfn: new SFNClient(config),
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
    // Prices are a courtesy: two short attempts, then the estimate falls back to the dated table.
    pricing: new PricingClient({
      ...config,
      region: priceListEndpointRegion(target.region),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    }),
  };
}

/** Asks checkip.amazonaws.com for the caller's public IPv4 address. */
export async function detectPublicIpOnline(): Promise<string> {
  const response = await fetch('https://checkip.amazonaws.com', { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`checkip.amazonaws.com answered ${response.status}`);
  return (await response.text()).trim();
}

/**
 * The local cloud's virtual clock as a `now` function: its time when asked, moving on at its speed
 * (a manual or instant clock stands still until read again). Undefined when the endpoint has no
 * `/_local/clock` (another local AWS), so the caller keeps this machine's clock.
 */
export async function readLocalClock(endpoint: string): Promise<(() => Date) | undefined> {
  try {
    const response = await fetch(new URL('/_local/clock', endpoint), { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return undefined;
    const clock = (await response.json()) as { now?: unknown; speed?: unknown };
    if (typeof clock.now !== 'number') return undefined;
    const at = performance.now();
    // An auto clock runs at real time between jumps (local/clock.ts).
    const speed = typeof clock.speed === 'number' ? clock.speed : clock.speed === 'auto' ? 1 : 0;
    const base = clock.now;
    return () => new Date(base + Math.round((performance.now() - at) * speed));
  } catch {
    return undefined;
  }
}
