// Ambient types for the renderer: Vite's `?raw` imports (the WGSL shaders) and the WebGPU API.
/// <reference types="vite/client" />
/// <reference types="@webgpu/types" />
