/**
 * The per-invocation session every command works through: the resolved target, AWS clients built on
 * first use, the stackdrop stack's outputs, and the clock (the local cloud's virtual clock with
 * --local). Split from program.ts.
 */
import { type CliDeps, type Clients, type GlobalOptions, resolveTarget, type Target } from './context.ts';
import { findStackdrop, requireOutput, type Stackdrop } from './stackdrop-stack.ts';
import type { FollowDeps } from './watch.ts';

/** Per-invocation context: the resolved target and clients built on first use. */
export class Session {
  readonly target: Target;
  readonly deps: CliDeps;
  #clients?: Clients;
  #stackdrop?: Stackdrop;
  #localNow?: () => Date;

  constructor(options: GlobalOptions, deps: CliDeps) {
    this.target = resolveTarget(options, deps.env);
    this.deps = deps;
  }

  get clients(): Clients {
    this.#clients ??= this.deps.clientsFor(this.target);
    return this.#clients;
  }

  async stackdrop(): Promise<Stackdrop> {
    if (!this.#stackdrop) {
      await this.syncClock();
      this.#stackdrop = await findStackdrop(this.clients.cfn, this.target.stack, this.target.endpoint);
    }
    return this.#stackdrop;
  }

  /** The time commands compare with AWS timestamps: the local cloud's virtual clock with `--local`. */
  readonly now = (): Date => (this.#localNow ?? this.deps.now)();

  /** Re-reads the local cloud's clock (with `--local`); a no-op against AWS. */
  async syncClock(): Promise<void> {
    if (!this.target.local || !this.target.endpoint || !this.deps.localClock) return;
    this.#localNow = (await this.deps.localClock(this.target.endpoint)) ?? this.#localNow;
  }

  async bucket(): Promise<string> {
    return requireOutput(await this.stackdrop(), 'BucketName');
  }

  followDeps(): FollowDeps {
    return {
      s3: this.clients.s3,
      cfn: this.clients.cfn,
      stdout: this.deps.stdout,
      style: this.deps.ui.style,
      now: this.now,
      sleep: async (ms) => {
        await this.deps.sleep(ms);
        await this.syncClock();
      },
      pollIntervalMs: this.deps.pollIntervalMs,
      ...(this.deps.interrupt ? { interrupt: this.deps.interrupt } : {}),
    };
  }
}
