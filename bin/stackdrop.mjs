#!/usr/bin/env node
// Launcher for the `stackdrop` command: runs cli/index.ts with Node's TypeScript type stripping.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const entry = fileURLToPath(new URL('../cli/index.ts', import.meta.url));

if (major < 22 || (major === 22 && minor < 6)) {
  console.error(
    `stackdrop needs Node.js 22 or newer (this is ${process.versions.node}): install Node 22+, or run it through \`npx stackdrop\` inside the repository.`,
  );
  process.exit(1);
}

// Type stripping is on by default from Node 22.18 / 23.6; earlier 22.x needs the flag, so re-run with it.
const stripsByDefault = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (stripsByDefault || process.execArgv.includes('--experimental-strip-types')) {
  await import(entry);
} else {
  const child = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings', entry, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}
