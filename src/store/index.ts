// Public API of src/store: re-exports only. The only module that loads better-sqlite3 (lazily, on openStore).
export { openStore, loadDriver, storeAvailable, SweepStore, StoreError, INSTALL_HINT, type OpenOptions } from './store.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export type * from './types.js';
export { TRIAGE_STATUSES } from './types.js';
