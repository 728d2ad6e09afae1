// The compare grid: one prompt list rendered for several columns (base model, the LoRA at strengths, saved
// checkpoints) as one contact-sheet PNG plus the cell table the gallery shows. Rendering is the caller's
// (txt2img with a column's adapter and strength); this module lays out and labels.
import { composePng, imageSize, type CanvasLayer } from '../dataset/image-encode';

export interface GridColumn {
  label: string;
  /** Adapter file and strength; absent or strength 0 = the base model. */
  lora?: { path: string; strength: number };
}

export interface GridCell {
  row: number;
  column: number;
  prompt: string;
  label: string;
  png: Uint8Array;
}

export interface CompareGrid {
  png: Uint8Array;
  cells: GridCell[];
  cellWidth: number;
  cellHeight: number;
}

const LABEL_HEIGHT = 28;
const GAP = 4;

const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

function labelSvg(text: string, width: number): Buffer {
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL_HEIGHT}">` +
      `<rect width="100%" height="100%" fill="#1e1e24"/>` +
      `<text x="6" y="19" font-family="sans-serif" font-size="14" fill="#f0f0f0">${escapeXml(shown)}</text></svg>`,
  );
}

/**
 * Renders every (prompt, column) cell in row-major order and composes the sheet; cells must share one size.
 * @example await compareGrid(['a cat'], [{ label: 'base' }, { label: '0.8', lora }], (p, c) => render(p, c))
 */
export async function compareGrid(
  prompts: readonly string[],
  columns: readonly GridColumn[],
  render: (prompt: string, column: GridColumn) => Promise<Uint8Array>,
): Promise<CompareGrid> {
  if (!prompts.length || !columns.length)
    throw new Error('a compare grid needs at least one prompt and one column');
  const cells: GridCell[] = [];
  for (let row = 0; row < prompts.length; row++)
    for (let column = 0; column < columns.length; column++)
      cells.push({
        row,
        column,
        prompt: prompts[row],
        label: columns[column].label,
        png: await render(prompts[row], columns[column]),
      });
  const first = await imageSize(cells[0].png);
  const [cw, ch] = [first.width, first.height];
  for (const cell of cells) {
    const m = await imageSize(cell.png);
    if (m.width !== cw || m.height !== ch)
      throw new Error(
        `grid cell "${cell.prompt}" / ${cell.label} is ${m.width}×${m.height}, the others ${cw}×${ch}`,
      );
  }
  const width = columns.length * (cw + GAP) + GAP;
  const rowHeight = LABEL_HEIGHT + ch + GAP;
  const height = LABEL_HEIGHT + prompts.length * rowHeight + GAP;
  const layers: CanvasLayer[] = columns.map((c, i) => ({
    input: labelSvg(c.label, cw),
    left: GAP + i * (cw + GAP),
    top: 0,
  }));
  prompts.forEach((prompt, row) => {
    layers.push({ input: labelSvg(prompt, width - 2 * GAP), left: GAP, top: LABEL_HEIGHT + row * rowHeight });
  });
  for (const cell of cells)
    layers.push({
      input: cell.png,
      left: GAP + cell.column * (cw + GAP),
      top: LABEL_HEIGHT + cell.row * rowHeight + LABEL_HEIGHT,
    });
  const png = await composePng(width, height, '#101014', layers);
  return { png, cells, cellWidth: cw, cellHeight: ch };
}
