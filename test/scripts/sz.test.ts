import { describe, expect, it } from 'vitest';
import { codeLines } from '../../scripts/sz';

describe('codeLines', () => {
  it('counts code, not blanks or comments', () => {
    const text = ['// header', '', 'const a = 1;', '/** doc', ' * more', ' */', 'export { a };', '   '].join(
      '\n',
    );
    expect(codeLines(text)).toBe(2);
  });
});
