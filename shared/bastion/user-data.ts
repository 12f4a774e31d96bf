import { BASTION_SSH_USER, SELF_SHUTDOWN_GRACE_MINUTES } from './constants.ts';

/**
 * The bastion's first-boot script. It holds no secrets: only the power-off time and, for ssh, the
 * caller's public key (already validated to `<type> <base64>`, so it cannot break out of quoting).
 *
 * Second line of defence: a persistent systemd timer powers the instance off
 * SELF_SHUTDOWN_GRACE_MINUTES after its expiry (InstanceInitiatedShutdownBehavior terminate turns
 * that into termination), and a boot-time check powers it off at once if it boots after that time.
 */
export function renderUserData(options: { expiresAt: Date; sshPublicKey?: string }): string {
  const powerOffAt = new Date(options.expiresAt.getTime() + SELF_SHUTDOWN_GRACE_MINUTES * 60_000);
  const calendar = `${powerOffAt.toISOString().slice(0, 10)} ${powerOffAt.toISOString().slice(11, 19)} UTC`;
  const epoch = Math.floor(powerOffAt.getTime() / 1000);
  const lines = [
    '#!/bin/bash',
    '# stackdrop bastion first boot: self-shutdown fallback (the reaper normally terminates first).',
    'set -euo pipefail',
    "cat >/etc/systemd/system/stackdrop-expire.service <<'UNIT'",
    '[Unit]',
    'Description=Power off this stackdrop bastion at its expiry (the instance then terminates)',
    '[Service]',
    'Type=oneshot',
    'ExecStart=/usr/bin/systemctl poweroff',
    'UNIT',
    "cat >/etc/systemd/system/stackdrop-expire.timer <<'UNIT'",
    '[Unit]',
    `Description=stackdrop bastion expiry (${calendar})`,
    '[Timer]',
    `OnCalendar=${calendar}`,
    'AccuracySec=1s',
    'Persistent=true',
    '[Install]',
    'WantedBy=timers.target',
    'UNIT',
    "cat >/etc/systemd/system/stackdrop-expire-check.service <<'UNIT'",
    '[Unit]',
    'Description=Power off at boot if this stackdrop bastion is past its expiry',
    'After=time-sync.target',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh -c 'if [ "$(date -u +%%s)" -ge ${epoch} ]; then /usr/bin/systemctl poweroff; fi'`,
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now stackdrop-expire.timer',
    'systemctl enable stackdrop-expire-check.service',
    `if [ "$(date -u +%s)" -ge ${epoch} ]; then systemctl poweroff; fi`,
  ];
  if (options.sshPublicKey) {
    lines.push(
      `install -d -m 700 -o ${BASTION_SSH_USER} -g ${BASTION_SSH_USER} /home/${BASTION_SSH_USER}/.ssh`,
      `printf '%s\\n' '${options.sshPublicKey}' >>/home/${BASTION_SSH_USER}/.ssh/authorized_keys`,
      `chown ${BASTION_SSH_USER}:${BASTION_SSH_USER} /home/${BASTION_SSH_USER}/.ssh/authorized_keys`,
      `chmod 600 /home/${BASTION_SSH_USER}/.ssh/authorized_keys`,
    );
  }
  return `${lines.join('\n')}\n`;
}
