import { describe, expect, it } from 'vitest';
import { projectNameFor } from '../../../../src-renderer/lib/state/first-run';

describe('projectNameFor', () => {
  it('names the project after one dropped folder', () => {
    expect(projectNameFor(['/home/ann/Pictures/ink refs'])).toBe('ink refs');
    expect(projectNameFor(['C:\\Users\\ann\\Pictures\\watercolor\\'])).toBe('watercolor');
  });

  it('leaves files and several things to the untitled default', () => {
    expect(projectNameFor(['/a/cat.PNG'])).toBeUndefined();
    expect(projectNameFor(['/a/refs', '/b/more'])).toBeUndefined();
    expect(projectNameFor([])).toBeUndefined();
  });
});
