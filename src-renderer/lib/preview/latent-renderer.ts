// Live latent previews in the renderer: shaders/latent-preview.wgsl on WebGPU when the browser has it, else the
// same math on the CPU (latent-rgb.ts, the shader's reference) into a 2-D canvas.
import shaderSource from '../../../shaders/latent-preview.wgsl?raw';
import { latentToRGB, previewUniform, type PreviewFamily } from './latent-rgb';

export interface LatentFrame {
  latents: Float32Array;
  width: number;
  height: number;
  family: PreviewFamily;
}

export interface LatentRenderer {
  readonly kind: 'webgpu' | 'canvas';
  draw(frame: LatentFrame): Promise<void>;
}

/** base64 f32 (as the 'sample.preview' event carries it) → Float32Array. */
export function decodeLatents(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/** The CPU path: also what the WebGPU path must match (tested against the WGSL in test/shaders). */
export function canvasRenderer(canvas: HTMLCanvasElement): LatentRenderer {
  return {
    kind: 'canvas',
    async draw({ latents, width, height, family }) {
      canvas.width = width;
      canvas.height = height;
      const rgba = latentToRGB(latents, height, width, family);
      canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
    },
  };
}

async function webgpuRenderer(canvas: HTMLCanvasElement, gpu: GPU): Promise<LatentRenderer | null> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const device = await adapter.requestDevice();
  const module = device.createShaderModule({ code: shaderSource });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const ctx = canvas.getContext('2d');
  return {
    kind: 'webgpu',
    async draw({ latents, width, height, family }) {
      const latent = device.createBuffer({
        size: latents.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(latent, 0, new Float32Array(latents));
      const uniform = new ArrayBuffer(96);
      new Float32Array(uniform, 0, 20).set(previewUniform(family));
      new Uint32Array(uniform, 80, 2).set([width, height]);
      const params = device.createBuffer({
        size: 96,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(params, 0, uniform);
      const bytes = width * height * 4;
      const pixels = device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const readback = device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const bind = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [latent, params, pixels].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(Math.ceil(width / 8), Math.ceil(height / 8));
      pass.end();
      enc.copyBufferToBuffer(pixels, 0, readback, 0, bytes);
      device.queue.submit([enc.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const rgba = new Uint8ClampedArray(readback.getMappedRange().slice(0));
      readback.unmap();
      for (const b of [latent, params, pixels, readback]) b.destroy();
      canvas.width = width;
      canvas.height = height;
      ctx?.putImageData(new ImageData(rgba, width, height), 0, 0);
    },
  };
}

/** WebGPU when available, the canvas path otherwise (or when WebGPU fails to start). */
export async function createLatentRenderer(canvas: HTMLCanvasElement): Promise<LatentRenderer> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu) {
    try {
      const r = await webgpuRenderer(canvas, gpu);
      if (r) return r;
    } catch (err) {
      console.warn('tessera: WebGPU preview unavailable, using the canvas path:', err);
    }
  }
  return canvasRenderer(canvas);
}
