import { describe, expect, it } from 'vitest';
import { formatTrainingMetadata, topTags } from '../../src-main/cli/lora-metadata-report';

const metadata = {
  ss_sd_model_name: 'v1-5.safetensors',
  ss_sd_model_hash: 'e1441589',
  ss_resolution: '(256, 256)',
  ss_steps: '15',
  ss_max_train_steps: '30',
  ss_epoch: '3',
  ss_num_epochs: '6',
  ss_optimizer: 'AdamW(weight_decay=0.01,betas=(0.9, 0.999),eps=1e-08)',
  ss_learning_rate: '0.0001',
  ss_lr_scheduler: 'cosine',
  ss_num_train_images: '6',
  ss_dataset_dirs: '{"2_ink": {"n_repeats": 2, "img_count": 3}}',
  ss_tag_frequency: '{"2_ink": {"ink": 3, "cat": 1, "dog": 1}, "1_x": {"cat": 2}}',
  'modelspec.trigger_phrase': 'ink',
};

describe('adapter training metadata, readable', () => {
  it('sums tags over folders, most frequent first', () => {
    expect(topTags(metadata, 2)).toEqual([
      ['cat', 3],
      ['ink', 3],
    ]);
  });

  it('prints the facts the file has and nothing for those it lacks', () => {
    const lines = formatTrainingMetadata(metadata, 3);
    expect(lines.slice(0, 2)).toEqual(['', 'Training']);
    const text = lines.join('\n');
    expect(text).toContain('Trained on      v1-5.safetensors (hash e1441589)');
    expect(text).toContain('Steps           15 of 30 · epoch 3 of 6');
    expect(text).toContain('Images          6 with repeats: 2_ink (3 × 2)');
    expect(text).toContain('Tags (top 3)    cat 3, ink 3, dog 1');
    expect(text).toContain('Trigger         ink');
    expect(text).not.toContain('Loss');
    expect(formatTrainingMetadata({})).toEqual([]);
  });
});
