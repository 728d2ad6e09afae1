// The VJP table: one rule per OpKind, or 'nondiff'. `satisfies` makes the compiler check completeness.

import type { OpKind } from '../graph/ops';
import type { VjpRule } from './rule';
import { CAST_RULES } from './rules/cast';
import { CONV_RULES } from './rules/conv';
import { ELEMENTWISE_RULES } from './rules/elementwise';
import { MATMUL_RULES } from './rules/matmul';
import { MOVEMENT_RULES } from './rules/movement';
import { REDUCE_RULES } from './rules/reduce';
import { SOFTMAX_RULES } from './rules/softmax';

export const VJP = {
  Input: 'nondiff',
  Param: 'nondiff',
  Constant: 'nondiff',
  Greater: 'nondiff',
  Equal: 'nondiff',
  ...ELEMENTWISE_RULES,
  ...CAST_RULES,
  ...MATMUL_RULES,
  ...CONV_RULES,
  ...MOVEMENT_RULES,
  ...REDUCE_RULES,
  ...SOFTMAX_RULES,
} satisfies Record<OpKind, VjpRule | 'nondiff'>;

/** Which rules file owns each rule (for docs/engine-ops.md). */
export const VJP_FILES: Record<string, Record<string, VjpRule>> = {
  'rules/elementwise.ts': ELEMENTWISE_RULES,
  'rules/cast.ts': CAST_RULES,
  'rules/matmul.ts': MATMUL_RULES,
  'rules/conv.ts': CONV_RULES,
  'rules/movement.ts': MOVEMENT_RULES,
  'rules/reduce.ts': REDUCE_RULES,
  'rules/softmax.ts': SOFTMAX_RULES,
};

export type { VjpRule } from './rule';
