import { describe, expect, it } from 'vitest';
import { colorEnabled, createUi, formatDuration, liveBlock, table } from '#cli/ui.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, writer: { write: (s: string) => chunks.push(s), isTTY } };
}

describe('terminal output', () => {
  it('uses colour only on a TTY without NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    // no-color.org: an empty NO_COLOR is the same as unset.
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
  });

  it('writes no escape codes when stdout is not a TTY', () => {
    const out = sink(false);
    const ui = createUi(out.writer, sink(false).writer, {});
    ui.out(ui.style.red('failed'));
    const progress = ui.progress('Creating change sets…');
    progress.update('Creating change sets…');
    progress.update('Waiting for CloudFormation…');
    progress.stop('done');
    expect(out.chunks.join('')).toBe('failed\nCreating change sets…\nWaiting for CloudFormation…\ndone\n');
    expect(out.chunks.join('')).not.toContain('\u001b');
  });

  it('animates a spinner in place on a TTY and clears it when stopped', () => {
    const out = sink(true);
    const ui = createUi(out.writer, sink(true).writer, { NO_COLOR: '1' });
    const progress = ui.progress('Uploading');
    progress.stop('uploaded');
    expect(out.chunks[0]).toBe('\r\u001b[2K⠋ Uploading');
    expect(out.chunks.at(-1)).toBe('uploaded\n');
  });

  it('redraws a live block in place on a TTY and prints only new lines otherwise', () => {
    const tty = sink(true);
    const block = liveBlock(tty.writer);
    block.render(['a', 'b']);
    block.render(['a', 'c']);
    expect(tty.chunks).toEqual(['a\nb\n', '\u001b[2F\u001b[0Ja\nc\n']);

    const log = sink(false);
    const plain = liveBlock(log.writer);
    plain.render(['a', 'b']);
    plain.render(['a', 'c']);
    expect(log.chunks.join('')).toBe('a\nb\nc\n');
  });

  it('formats durations the way people read them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('aligns table columns without trailing spaces', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', ''],
        ],
      ),
    ).toEqual(['A    LONG', 'xyz  1', 'q']);
  });
});
