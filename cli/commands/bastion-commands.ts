/**
 * `bastion open|list|close`: temporary bastions through the stackdrop bastion functions. Registered
 * by program.ts; split from it so each command group sits in its own file.
 */
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { readStatus } from '#shared/status.ts';
import { examples } from '../command-kit.ts';
import type { CoreKit } from '../core-kit.ts';
import { EXIT, UserError } from '../errors.ts';
import { requireOutput } from '../stackdrop-stack.ts';
import {
  bastionList,
  callerCidrFromIp,
  formatBastions,
  invokeBastionFunction,
  type OpenedBastion,
  parseTtl,
  tunnelCommand,
} from './bastion.ts';

/** Registers `bastion`. */
export function registerBastionCommands(program: Command, kit: CoreKit): void {
  const { deps, session, setExit } = kit;
  const { ui } = deps;
  const bastion = program
    .command('bastion')
    .description('temporary bastions to reach the database')
    .addHelpText(
      'after',
      examples(
        'stackdrop bastion open acme --ttl 1h',
        'stackdrop bastion list acme',
        'stackdrop bastion close acme i-0123456789abcdef0',
      ),
    );

  bastion
    .command('open')
    .description('open a bastion and print the exact tunnel command')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--ttl <duration>', 'how long it lives: 90, 90m, 1h, 1h30m', '1h')
    .addOption(
      new Option(
        '--access <mode>',
        "ssm (no inbound) or ssh; default: the manifest's bastion.access",
      ).choices(['ssm', 'ssh']),
    )
    .option('--cidr <cidr>', 'where you connect from (default: your public IP, detected, as /32)')
    .option('--ssh-public-key <file>', 'public key for ssh access (default: ~/.ssh/id_ed25519.pub)')
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples(
        'stackdrop bastion open acme',
        'stackdrop bastion open acme --ttl 30m --cidr 203.0.113.7/32',
        'stackdrop bastion open acme --access ssh --ssh-public-key ~/.ssh/id_ed25519.pub',
      ),
    )
    .action(
      async (
        project: string,
        opts: {
          environment: string;
          ttl: string;
          access?: 'ssm' | 'ssh';
          cidr?: string;
          sshPublicKey?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const ttlMinutes = parseTtl(opts.ttl);
        const s = session(cmd);
        const stackdrop = await s.stackdrop();
        const fn = requireOutput(stackdrop, 'OpenBastionFunctionName');
        let callerCidr = opts.cidr;
        if (!callerCidr && s.target.local) {
          // Offline means offline: the local cloud's bastion is reached from this machine.
          callerCidr = LOCAL_CALLER_CIDR;
          ui.err(`Local cloud: allowing ${callerCidr} (pass --cidr to choose).`);
        } else if (!callerCidr) {
          callerCidr = callerCidrFromIp(await deps.detectPublicIp());
          ui.err(
            `Detected your public IP with checkip.amazonaws.com: allowing ${callerCidr} (pass --cidr to choose).`,
          );
        }
        let sshPublicKey: string | undefined;
        if (opts.access === 'ssh' || opts.sshPublicKey) {
          const keyFile = opts.sshPublicKey ?? join(homedir(), '.ssh', 'id_ed25519.pub');
          sshPublicKey = (
            await readFile(keyFile, 'utf8').catch(() => {
              throw new UserError(`Cannot read the SSH public key ${keyFile}: pass --ssh-public-key <file>.`);
            })
          ).trim();
        }
        const opened = await invokeBastionFunction<OpenedBastion>(s.clients.lambda, fn, {
          project,
          environment: opts.environment,
          ttlMinutes,
          callerCidr,
          openedBy: safeUser(),
          ...(opts.access ? { access: opts.access } : {}),
          ...(sshPublicKey ? { sshPublicKey } : {}),
        });
        let command = opened.tunnelCommand;
        if (!command) {
          const doc = (
            await readStatus(
              { bucket: requireOutput(stackdrop, 'BucketName'), project, environment: opts.environment },
              { s3: s.clients.s3 },
            )
          )?.doc;
          const host = doc?.outputs.WriterEndpoint;
          if (host)
            command = tunnelCommand(opened, { host, port: doc?.outputs.Port ?? '3306' }, s.target.region);
        }
        if (opts.json) {
          ui.json({ ...opened, callerCidr, ...(command ? { tunnelCommand: command } : {}) });
        } else {
          ui.out(
            `${ui.style.green('✓')} bastion ${opened.instanceId} (${opened.access}) open until ${opened.expiresAt}`,
          );
          if (command) ui.out(`tunnel to the database:\n  ${command}`);
          else ui.out('the function returned no tunnel command and the status has no database endpoint yet');
          for (const note of Array.isArray(opened.notes) ? opened.notes : [])
            ui.out(ui.style.dim(String(note)));
        }
        setExit(EXIT.ok);
      },
    );

  bastion
    .command('list')
    .description("list a project's bastions")
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop bastion list acme', 'stackdrop bastion list acme --json'))
    .action(async (project: string, opts: { environment: string; json?: boolean }, cmd: Command) => {
      const s = session(cmd);
      const fn = requireOutput(await s.stackdrop(), 'ListBastionsFunctionName');
      const listed = await invokeBastionFunction(s.clients.lambda, fn, {
        project,
        environment: opts.environment,
      });
      const bastions = bastionList(listed);
      if (opts.json) {
        const extra = listed && typeof listed === 'object' && !Array.isArray(listed) ? listed : {};
        ui.json({ ...extra, project, environment: opts.environment, bastions });
      } else ui.out(formatBastions(project, opts.environment, bastions, s.now()).join('\n'));
      setExit(EXIT.ok);
    });

  bastion
    .command('close')
    .description('terminate a bastion before its expiry')
    .argument('<project>', 'project name')
    .argument('<instanceId>', 'the bastion instance id (from `bastion list`)')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop bastion close acme i-0123456789abcdef0'))
    .action(
      async (
        project: string,
        instanceId: string,
        opts: { environment: string; json?: boolean },
        cmd: Command,
      ) => {
        const s = session(cmd);
        const fn = requireOutput(await s.stackdrop(), 'CloseBastionFunctionName');
        const closed = await invokeBastionFunction<Record<string, unknown>>(s.clients.lambda, fn, {
          project,
          environment: opts.environment,
          instanceId,
          closedBy: safeUser(),
        });
        if (opts.json) ui.json(closed ?? { instanceId });
        else if (closed?.result === 'already-ended') ui.out(`bastion ${instanceId} had already ended`);
        else ui.out(`${ui.style.green('✓')} bastion ${instanceId} closed`);
        setExit(EXIT.ok);
      },
    );
}

/** Who may reach a bastion on the local cloud when `--cidr` is not given (no public-IP lookup offline). */
const LOCAL_CALLER_CIDR = '127.0.0.1/32';

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
