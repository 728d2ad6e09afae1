// The app's icons as SVG path data (24×24 grid, drawn with a 2px round stroke by components/Icon.svelte), so
// no icon depends on an emoji or symbol font being installed.
/** Each icon's SVG path data, drawn with a 2px round stroke. */
export const ICON_PATHS = {
  folder:
    'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2.5h8.5A1.5 1.5 0 0 1 21 9v9.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5z',
  file: 'M6 3h8l4 4v14H6z M14 3v4h4',
  model: 'M12 3l8 4.5v9L12 21l-8-4.5v-9z M12 12l8-4.5 M12 12v9 M12 12L4 7.5',
  image: 'M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4 M15.5 9.5h.01',
  up: 'M12 19V5 M6 11l6-6 6 6',
  upload: 'M12 16V4 M7 9l5-5 5 5 M4 16v4h16v-4',
  pause: 'M8 5v14 M16 5v14',
  play: 'M7 5l12 7-12 7z',
  stop: 'M6 6h12v12H6z',
  save: 'M5 4h11l3 3v13H5z M8 4v5h7V4 M8 20v-6h8v6',
  train: 'M4 18l5-6 4 3 7-9 M15 6h5v5',
  warning: 'M12 4l9 16H3z M12 10v4 M12 17h.01',
} as const;
export type IconName = keyof typeof ICON_PATHS;
