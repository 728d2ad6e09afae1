// Icons must not depend on an emoji or symbol font: every icon is inline SVG, and no screen spells one with a
// pictograph character (they show as empty boxes on machines without such a font).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Icon from '../../src-renderer/components/Icon.svelte';
import { ICON_PATHS, type IconName } from '../../src-renderer/lib/icons';

/** Emoji and pictograph blocks, dingbats and miscellaneous symbols. */
const PICTOGRAPH = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}]|\u{FE0F}/u;

describe('icons', () => {
  it('draws every icon as inline SVG, hidden from screen readers', () => {
    for (const name of Object.keys(ICON_PATHS) as IconName[]) {
      const { body } = render(Icon, { props: { name } });
      expect(body).toMatch(/<svg[^>]*aria-hidden="true"[^>]*><path d="M/);
    }
  });

  it('no renderer file spells an icon with an emoji or symbol character', async () => {
    const files = (await readdir('src-renderer', { recursive: true })).filter((f) =>
      /\.(svelte|ts)$/.test(f),
    );
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(join('src-renderer', file), 'utf8');
      text.split('\n').forEach((line, i) => PICTOGRAPH.test(line) && offenders.push(`${file}:${i + 1}`));
    }
    expect(offenders).toEqual([]);
  });
});
