// The sampler table: names as the CLI and API spell them, A1111's display names, and which sigma list each uses.
import { karrasSigmasFor, kDiffusionSigmas } from '../schedules';
import { sample as ddim } from './ddim';
import type { Sampler } from './denoiser';
import { sample as dpmpp2m } from './dpmpp-2m';
import { sample as euler } from './euler';
import { sample as eulerA } from './euler-a';

export type SamplerName = 'euler' | 'euler_a' | 'dpmpp_2m' | 'dpmpp_2m_karras' | 'ddim';

export interface SamplerSpec {
  sample: Sampler;
  /** How A1111 writes it in the `Sampler:` field of its infotext. */
  a1111Name: string;
  sigmas: (table: Float64Array, steps: number) => Float64Array;
}

export const SAMPLERS: Record<SamplerName, SamplerSpec> = {
  euler: { sample: euler, a1111Name: 'Euler', sigmas: kDiffusionSigmas },
  euler_a: { sample: eulerA, a1111Name: 'Euler a', sigmas: kDiffusionSigmas },
  dpmpp_2m: { sample: dpmpp2m, a1111Name: 'DPM++ 2M', sigmas: kDiffusionSigmas },
  dpmpp_2m_karras: { sample: dpmpp2m, a1111Name: 'DPM++ 2M Karras', sigmas: karrasSigmasFor },
  ddim: { sample: ddim, a1111Name: 'DDIM', sigmas: kDiffusionSigmas },
};

export function isSamplerName(value: string): value is SamplerName {
  return Object.hasOwn(SAMPLERS, value);
}

export {
  epsilonDenoiser,
  vPredictionDenoiser,
  type Denoiser,
  type SampleOptions,
  type UNetCall,
} from './denoiser';
