import { describe, expect, it } from 'vitest';
import { folderNameOf, newProjectName } from '../../src-main/core/project-names';

describe('project names', () => {
  it('numbers untitled projects from the first free number', () => {
    expect(newProjectName([])).toBe('Untitled style 1');
    expect(newProjectName(['Untitled style 1', 'untitled STYLE 2', 'Untitled style 4'])).toBe(
      'Untitled style 3',
    );
  });

  it('keeps a wanted name when free and numbers it when not', () => {
    expect(newProjectName(['other'], 'ink')).toBe('ink');
    expect(newProjectName(['ink', 'ink 2'], 'Ink')).toBe('Ink 3');
    expect(newProjectName([], '   ')).toBe('Untitled style 1');
  });

  it('makes names safe as folder names', () => {
    expect(folderNameOf('ink: v2/final?.')).toBe('ink- v2-final-');
    expect(newProjectName([], 'a/b')).toBe('a-b');
  });
});
