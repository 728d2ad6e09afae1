// `selected_tags.csv` of the WD taggers: header `tag_id,name,category,count`, one row per model output,
// in output order. Categories: 9 rating, 0 general, 4 character (the authors' reference app).
import { CaptionFileError } from '../errors';

export type TagCategory = 'rating' | 'general' | 'character';

export interface TagLabel {
  name: string;
  category: TagCategory;
}

const CATEGORIES: Readonly<Record<string, TagCategory>> = { '9': 'rating', '0': 'general', '4': 'character' };

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        value += line[i];
        i += line[i] === '"' ? 2 : 1;
      }
      out.push(value);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

/**
 * The labels of a tagger's outputs, in order. Unknown categories (copyright, artist… in other taggers'
 * files) are kept as 'general'.
 * @example parseSelectedTags('tag_id,name,category,count\n9999999,general,9,1\n1,1girl,0,5', 'x.csv')[1] // { name: '1girl', category: 'general' }
 */
export function parseSelectedTags(text: string, file: string): TagLabel[] {
  const lines = text
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = fields(lines[0] ?? '').map((h) => h.trim());
  const name = header.indexOf('name');
  const category = header.indexOf('category');
  if (name < 0 || category < 0)
    throw new CaptionFileError(
      `${file}: not a WD tagger label file (the first line must name the columns, with "name" and "category")`,
    );
  return lines.slice(1).map((line, i) => {
    const row = fields(line);
    if (row.length <= Math.max(name, category))
      throw new CaptionFileError(
        `${file} line ${i + 2}: expected ${header.length} columns, found ${row.length}`,
      );
    return { name: row[name], category: CATEGORIES[row[category].trim()] ?? 'general' };
  });
}
