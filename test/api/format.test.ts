// Number and label formatting shared by the CLI and the renderer.
import { describe, expect, it } from 'vitest';
import {
  COMPONENT_LABELS,
  formatBytes,
  formatDtypes,
  formatParams,
  LAYOUT_LABELS,
} from '../../src-main/api/format';

describe('format', () => {
  it('formats parameter counts like model cards do', () => {
    expect(formatParams(859_520_964)).toBe('859.5 M');
    expect(formatParams(2_567_463_684)).toBe('2.57 B');
    expect(formatParams(843_779)).toBe('843.8 k');
    expect(formatParams(12)).toBe('12');
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2_132_625_894)).toBe('1.99 GiB');
    expect(formatBytes(18_530_000)).toBe('17.7 MiB');
    expect(formatBytes(171_008)).toBe('167 KiB');
  });

  it('lists dtypes most common first', () => {
    expect(formatDtypes({ F32: 2, F16: 686 })).toBe('F16 ×686, F32 ×2');
    expect(formatDtypes({})).toBe('');
  });

  it('has a label for every component and layout', () => {
    expect(COMPONENT_LABELS.text_encoder_2).toBe('Text encoder 2');
    expect(LAYOUT_LABELS.diffusers).toBe('Diffusers folder');
  });
});
