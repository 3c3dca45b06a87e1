// Public API of src/sources: re-exports only.
export {};
