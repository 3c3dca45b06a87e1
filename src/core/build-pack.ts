/** Build step (`npm run build`): compiles patterns/*.toml into dist/pack.json, failing on any broken rule. */
import { compiledPackFile, writeCompiledPack } from './config.js';

try {
  const pack = writeCompiledPack();
  console.log(`leakward: compiled ${pack.rules.length} rules from ${pack.files.length} pattern files into ${compiledPackFile}`);
} catch (err) {
  console.error(`leakward: rule pack: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
