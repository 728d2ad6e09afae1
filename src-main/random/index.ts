// Every random number of the app has its source here, below dataset/, train/ and sample/, which all draw from
// it: exact resume needs each of them to draw the same numbers, so one module owns the generators.
export { randomInt, seededRng, shuffled, type Rng } from './uniform';
export { MT19937, TorchCpuGenerator, randn, type NoiseSource } from './torch-cpu';
export { STREAMS, streamNormal, streamRng, streamSeed, type StreamName } from './streams';
