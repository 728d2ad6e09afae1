// The training facts an adapter carries (kohya `ss_*` and `modelspec.*` keys, from Tessera or other trainers),
// as readable lines for `tessera info ADAPTER`. Rows whose keys the file lacks are left out.

const row = (label: string, value: string): string => `  ${label.padEnd(16)}${value}`;

function parsed<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The most frequent tags over every folder of `ss_tag_frequency`, most frequent first. */
export function topTags(metadata: Record<string, string>, n: number): [string, number][] {
  const folders = parsed<Record<string, Record<string, number>>>(metadata.ss_tag_frequency) ?? {};
  const totals = new Map<string, number>();
  for (const tags of Object.values(folders))
    for (const [tag, count] of Object.entries(tags)) totals.set(tag, (totals.get(tag) ?? 0) + Number(count));
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

/**
 * Readable lines for an adapter's training metadata; empty when the file carries none.
 * @example formatTrainingMetadata(info.metadata).forEach((l) => console.log(l))
 */
export function formatTrainingMetadata(m: Record<string, string>, tags = 10): string[] {
  const lines: string[] = [];
  const add = (label: string, value: string | undefined) => value && lines.push(row(label, value));
  const base = m.ss_sd_model_name;
  add('Trained on', base && (m.ss_sd_model_hash ? `${base} (hash ${m.ss_sd_model_hash})` : base));
  add('Title', m['modelspec.title']);
  add('Author', m['modelspec.author']);
  add('Description', m['modelspec.description']);
  add('Trigger', m['modelspec.trigger_phrase']);
  add('Resolution', m.ss_resolution ?? m['modelspec.resolution']);
  if (m.ss_steps)
    add(
      'Steps',
      `${m.ss_steps}${m.ss_max_train_steps ? ` of ${m.ss_max_train_steps}` : ''}` +
        (m.ss_epoch ? ` · epoch ${m.ss_epoch}${m.ss_num_epochs ? ` of ${m.ss_num_epochs}` : ''}` : ''),
    );
  const lr = [m.ss_optimizer, m.ss_learning_rate && `lr ${m.ss_learning_rate}`, m.ss_lr_scheduler];
  add('Optimizer', lr.filter(Boolean).join(' · ') || undefined);
  const batch = [
    m.ss_batch_size_per_device && `batch ${m.ss_batch_size_per_device}`,
    m.ss_gradient_accumulation_steps && `accumulation ${m.ss_gradient_accumulation_steps}`,
    m.ss_seed && `seed ${m.ss_seed}`,
    m.ss_mixed_precision && `mixed precision ${m.ss_mixed_precision}`,
  ];
  add('Batch', batch.filter(Boolean).join(' · ') || undefined);
  const loss = [
    m.ss_min_snr_gamma && `min-SNR γ ${m.ss_min_snr_gamma}`,
    m.ss_noise_offset && `noise offset ${m.ss_noise_offset}`,
    m['modelspec.timestep_range'] && `timesteps ${m['modelspec.timestep_range']}`,
  ];
  add('Loss', loss.filter(Boolean).join(' · ') || undefined);
  const dirs = parsed<Record<string, { n_repeats: number; img_count: number }>>(m.ss_dataset_dirs);
  if (dirs) {
    const folders = Object.entries(dirs).map(([d, v]) => `${d} (${v.img_count} × ${v.n_repeats})`);
    add('Images', `${m.ss_num_train_images ?? '?'} with repeats: ${folders.join(', ')}`);
  }
  const top = topTags(m, tags);
  if (top.length) add(`Tags (top ${top.length})`, top.map(([t, n]) => `${t} ${n}`).join(', '));
  return lines.length ? ['', 'Training', ...lines] : [];
}
