// Closed-form softmax VJP: dx = y ⊙ (dy − Σ_axis dy ⊙ y). Attention's backward is this plus the two
// MatMul rules (dV = Pᵀ dO, dP = dO Vᵀ), since nn.attention is a composite.

import { normAxis } from '../../graph/builder';
import { attrOf } from '../../graph/ops';
import { rule } from '../rule';

export const SOFTMAX_RULES = {
  Softmax: rule(['output'], (g, n, dy) => {
    const axis = normAxis(attrOf<number>(n, 'axis'), n.shape.length);
    return [g.mul(n, g.sub(dy, g.reduceSum(g.mul(dy, n), [axis])))];
  }),
};
