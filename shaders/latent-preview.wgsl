// Latent → RGBA preview (reference: src-renderer/lib/preview/latent-rgb.ts `latentToRGB`; factors from `previewUniform`).
// Bindings (group 0):
//   @binding(0) latent  : storage, read        array<f32>  [4, height, width], channel-major
//   @binding(1) params  : uniform              Params      { factors: 4 × vec4 (R,G,B,0 per channel), bias: vec4, size: vec2<u32> (width, height) }
//   @binding(2) pixels  : storage, read_write  array<u32>  [height, width], RGBA8 packed little-endian (R in the low byte)
// Entry point: main, workgroup 8×8, one invocation per pixel; dispatch ceil(width/8) × ceil(height/8).

struct Params {
  factors: array<vec4<f32>, 4>,
  bias: vec4<f32>,
  size: vec2<u32>,
}

@group(0) @binding(0) var<storage, read> latent: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> pixels: array<u32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let width = params.size.x;
  let height = params.size.y;
  if (id.x >= width || id.y >= height) {
    return;
  }
  let p = id.y * width + id.x;
  let plane = width * height;
  var rgb = params.bias.xyz;
  for (var k = 0u; k < 4u; k = k + 1u) {
    rgb = rgb + latent[k * plane + p] * params.factors[k].xyz;
  }
  // Same mapping as the TS reference: round(clamp((v + 1) / 2, 0, 1) * 255).
  let bytes = vec3<u32>(round(clamp((rgb + vec3<f32>(1.0)) * 0.5, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0));
  pixels[p] = bytes.x | (bytes.y << 8u) | (bytes.z << 16u) | (255u << 24u);
}
