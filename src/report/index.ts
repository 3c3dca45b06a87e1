// Public API of src/report: re-exports only.
export {};
