// VJP of Cast: the gradient is cast back to the input's dtype; casts from integers/bool carry none.

import { isFloat } from '../../graph/dtype';
import { rule } from '../rule';

export const CAST_RULES = {
  Cast: rule([], (g, n, dy) => {
    const x = n.inputs[0];
    return [isFloat(x.dtype) && isFloat(n.dtype) ? g.cast(dy, x.dtype) : null];
  }),
};
