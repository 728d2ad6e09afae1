// The optimizer table: a config name → its implementation.
import type { OptimizerName, TrainConfig } from '../config';
import { AdamW } from './adamw';
import { Prodigy } from './prodigy';
import type { Optimizer } from './types';

export type { Optimizer, OptimizerState, Tensors } from './types';

const OPTIMIZERS: Record<OptimizerName, (c: TrainConfig) => Optimizer> = {
  adamw: (c) => new AdamW({ beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay }),
  prodigy: (c) =>
    new Prodigy({ beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay }),
};

/** @example const opt = createOptimizer(resolveConfig({ optimizer: 'prodigy', learningRate: 1 })) */
export function createOptimizer(config: TrainConfig): Optimizer {
  return OPTIMIZERS[config.optimizer](config);
}
