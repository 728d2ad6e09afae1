// The typed refusal for LoRA files or requests Tessera cannot honour as asked: a LoRA whose base family cannot be
// told, one for another family than the base, nothing loadable, a merge that would overwrite its base. It is
// the user's input that is wrong, not Tessera, so front doors answer 400 (api/errors.ts maps it by name).

export class LoRAError extends Error {
  override readonly name = 'LoRAError';
}
