// Public API of src/mask: re-exports only.
export {};
