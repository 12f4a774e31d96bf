import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type Manifest, type ManifestProblem, parseManifest } from '#shared/manifest/index.ts';
import { UserError } from './errors.ts';

export { formatProblem, type ManifestProblem } from '#shared/manifest/index.ts';

export type ManifestResult =
  | { ok: true; manifest: Manifest; text: string; format: 'yaml' | 'json' }
  | { ok: false; problems: ManifestProblem[]; text: string; format: 'yaml' | 'json' };

/** The file format from the extension: `.json` is JSON, anything else YAML. */
export function manifestFormat(file: string): 'yaml' | 'json' {
  return extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** Parses and validates manifest text with the shared parser (every problem, with its position). */
export function checkManifestText(input: string | Uint8Array, file: string): ManifestResult {
  const format = manifestFormat(file);
  // The parser sees the raw bytes, so a file that is not UTF-8 is reported rather than mangled.
  const result = parseManifest(input, file);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  return result.ok
    ? { ok: true, manifest: result.manifest, text, format }
    : { ok: false, problems: result.problems, text, format };
}

/** Reads a manifest file; a missing or unreadable file is a user error. */
export async function readManifestFile(file: string, shownAs = file): Promise<ManifestResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UserError(
      code === 'ENOENT'
        ? `No manifest at ${shownAs}: check the path, or create one with \`stackdrop init\`.`
        : `Cannot read ${shownAs} (${code ?? String(error)}).`,
    );
  }
  return checkManifestText(bytes, shownAs);
}
