/**
 * Named validators a rule can require with `validate = "<name>"` (checksums and structure checks).
 * A secret that fails its rule's validator is not reported.
 */
export type Validator = (secret: string) => boolean;

export const validators: Readonly<Record<string, Validator>> = {};

export function getValidator(name: string): Validator | undefined {
  return Object.prototype.hasOwnProperty.call(validators, name) ? validators[name] : undefined;
}
