// VJPs of the elementwise ops (calculus; broadcasting is undone by the driver in grad.ts).

import type { Graph } from '../../graph/builder';
import type { Node } from '../../graph/node';
import { rule, type VjpRule } from '../rule';

/** Unary rule from the derivative dy ⊙ f'(x, y). */
const unary = (saves: VjpRule['saves'], d: (g: Graph, x: Node, y: Node, dy: Node) => Node): VjpRule =>
  rule(saves, (g, n, dy) => [d(g, n.inputs[0], n, dy)]);

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const ELEMENTWISE_RULES = {
  Add: rule([], (_g, _n, dy) => [dy, dy]),
  Sub: rule([], (g, _n, dy, needs) => [dy, needs[1] ? g.neg(dy) : null]),
  Mul: rule(['inputs'], (g, n, dy, needs) => {
    const [a, b] = n.inputs;
    return [needs[0] ? g.mul(dy, b) : null, needs[1] ? g.mul(dy, a) : null];
  }),
  Div: rule(['inputs', 'output'], (g, n, dy, needs) => {
    const b = n.inputs[1];
    return [needs[0] ? g.div(dy, b) : null, needs[1] ? g.neg(g.div(g.mul(dy, n), b)) : null];
  }),
  Pow: rule(['inputs', 'output'], (g, n, dy, needs) => {
    const [a, b] = n.inputs;
    const da = () => g.mul(dy, g.mul(b, g.pow(a, g.sub(b, 1))));
    return [needs[0] ? da() : null, needs[1] ? g.mul(dy, g.mul(n, g.log(a))) : null];
  }),
  // NOTE: ties send the gradient to the first input only (a subgradient, like torch.maximum halves it).
  Max: rule(['inputs'], (g, n, dy) => {
    const bWins = g.greater(n.inputs[1], n.inputs[0]);
    return [g.where(bWins, 0, dy), g.where(bWins, dy, 0)];
  }),
  Min: rule(['inputs'], (g, n, dy) => {
    const bWins = g.greater(n.inputs[0], n.inputs[1]);
    return [g.where(bWins, 0, dy), g.where(bWins, dy, 0)];
  }),
  Neg: unary([], (g, _x, _y, dy) => g.neg(dy)),
  Exp: unary(['output'], (g, _x, y, dy) => g.mul(dy, y)),
  Log: unary(['inputs'], (g, x, _y, dy) => g.div(dy, x)),
  Sqrt: unary(['output'], (g, _x, y, dy) => g.div(dy, g.mul(y, 2))),
  Reciprocal: unary(['output'], (g, _x, y, dy) => g.neg(g.mul(dy, g.mul(y, y)))),
  Tanh: unary(['output'], (g, _x, y, dy) => g.mul(dy, g.sub(1, g.mul(y, y)))),
  Sigmoid: unary(['output'], (g, _x, y, dy) => g.mul(dy, g.mul(y, g.sub(1, y)))),
  Erf: unary(['inputs'], (g, x, _y, dy) => g.mul(dy, g.mul(g.exp(g.neg(g.mul(x, x))), TWO_OVER_SQRT_PI))),
  Sin: unary(['inputs'], (g, x, _y, dy) => g.mul(dy, g.cos(x))),
  Cos: unary(['inputs'], (g, x, _y, dy) => g.neg(g.mul(dy, g.sin(x)))),
  // NOTE: the kink at 0 takes the left derivative (0 for Relu, +1 for Abs).
  Relu: unary(['inputs'], (g, x, _y, dy) => g.where(g.greater(x, 0), dy, 0)),
  Abs: unary(['inputs'], (g, x, _y, dy) => g.where(g.greater(0, x), g.neg(dy), dy)),
  Identity: unary([], (_g, _x, _y, dy) => dy),
  Where: rule(['inputs'], (g, n, dy, needs) => {
    const c = n.inputs[0];
    return [null, needs[1] ? g.where(c, dy, 0) : null, needs[2] ? g.where(c, 0, dy) : null];
  }),
} satisfies Record<string, VjpRule>;
