import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDeployableManifest } from '#shared/manifest/deployable.ts';
import { MAX_MANIFEST_BYTES, type Manifest, type ManifestProblem } from '#shared/manifest/index.ts';
import { UserError } from './errors.ts';

export { formatProblem, type ManifestProblem, problemsHeader } from '#shared/manifest/index.ts';

export type ManifestResult =
  | { ok: true; manifest: Manifest; text: string; format: 'yaml' | 'json'; file: string }
  | { ok: false; problems: ManifestProblem[]; text: string; format: 'yaml' | 'json'; file: string };

/** The most bytes ever read from a manifest source: one past the limit proves it is too large. */
export const READ_CAP = MAX_MANIFEST_BYTES + 1;

/** The file format from the extension: `.json` is JSON, anything else YAML. */
export function manifestFormat(file: string): 'yaml' | 'json' {
  return extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** Parses and validates manifest text with the shared parser (every problem, with its position). */
export function checkManifestText(input: string | Uint8Array, file: string): ManifestResult {
  const format = manifestFormat(file);
  // The parser sees the raw bytes, so a file that is not UTF-8 is reported rather than mangled.
  const result = parseDeployableManifest(input, file);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  return result.ok
    ? { ok: true, manifest: result.manifest, text, format, file }
    : { ok: false, problems: result.problems, text, format, file };
}

/** What an `open`/`read` error code means for a manifest path, as a person would say it. */
export function openErrorMessage(code: string | undefined, shownAs: string): string {
  switch (code) {
    case 'ENOENT':
      return `No manifest at ${shownAs}: check the path, or create one with \`stackdrop init\`.`;
    case 'EACCES':
    case 'EPERM':
      return `Cannot read ${shownAs}: permission denied. Check the file's permissions (ls -l ${shownAs}).`;
    case 'EISDIR':
      return `${shownAs} is a directory, not a manifest file: name the file inside it, e.g. ${shownAs.replace(/\/$/, '')}/stackdrop.yaml.`;
    case 'ELOOP':
      return `${shownAs} is a symbolic link that loops back on itself: point it at a real file, or name the file directly.`;
    case 'ENOTDIR':
      return `No manifest at ${shownAs}: a part of the path before the file name is not a directory.`;
    case 'ENAMETOOLONG':
      return `The path ${shownAs.slice(0, 80)}… is too long for the file system: check the argument.`;
    case 'ENXIO':
      return `${shownAs} is a socket or device, not a manifest file: pass a .yaml or .json file, or - for stdin.`;
    default:
      return `Cannot read ${shownAs} (${code ?? 'unknown error'}): check that it is a readable manifest file.`;
  }
}

/** Why a file that opened is still not a manifest: only regular files are read. */
function notRegularFile(
  stat: {
    isDirectory(): boolean;
    isFIFO(): boolean;
    isSocket(): boolean;
    isCharacterDevice(): boolean;
    isBlockDevice(): boolean;
  },
  shownAs: string,
): string {
  if (stat.isDirectory()) return openErrorMessage('EISDIR', shownAs);
  if (stat.isFIFO())
    return `${shownAs} is a named pipe (FIFO), not a manifest file: to read from a pipe, pass - and redirect it to stdin (stackdrop validate - < ${shownAs}).`;
  if (stat.isSocket()) return `${shownAs} is a socket, not a manifest file: pass a .yaml or .json file.`;
  if (stat.isCharacterDevice() || stat.isBlockDevice())
    return `${shownAs} is a device, not a manifest file: pass a .yaml or .json file.`;
  return `${shownAs} is not a regular file: pass a .yaml or .json file.`;
}

/**
 * Reads at most READ_CAP bytes of a regular file. The file is opened non-blocking so a FIFO cannot
 * hang the open, then checked with fstat on the same descriptor (no race with a rename), so a
 * device such as /dev/zero is refused before a single byte is read.
 */
async function readRegularFile(file: string, shownAs: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UserError(openErrorMessage((error as { code?: string }).code, shownAs));
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UserError(notRegularFile(stat, shownAs));
    // One past the limit is enough to know a file is too large; a file growing while it is read
    // cannot make this read more.
    const buffer = Buffer.alloc(READ_CAP);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(openErrorMessage((error as { code?: string }).code, shownAs));
  } finally {
    await handle.close();
  }
}

/** A byte stream the CLI may read a manifest from (process.stdin). */
export type ByteSource = AsyncIterable<Uint8Array | string> & { destroy?: () => void };

/** Reads at most READ_CAP bytes from a stream, then stops reading (it never drains an endless one). */
export async function readCapped(source: ByteSource, cap = READ_CAP): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    chunks.push(bytes.subarray(0, cap - total));
    total += Math.min(bytes.length, cap - total);
    if (total >= cap) {
      source.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a manifest file (or stdin for `-`), bounded to READ_CAP bytes; anything that is not a
 * regular file is a one-line user error.
 */
export async function readManifestFile(
  file: string,
  shownAs = file,
  stdin?: ByteSource,
): Promise<ManifestResult> {
  if (shownAs === '-') {
    if (!stdin) throw new UserError('No standard input to read the manifest from: pass a file name.');
    // The parser tells JSON from YAML by content when the name has no extension.
    return checkManifestText(await readCapped(stdin), 'stdin');
  }
  return checkManifestText(await readRegularFile(file, shownAs), shownAs);
}
