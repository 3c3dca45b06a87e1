import path from 'node:path';
import { parseCommandArgs, reportFlags, reportHelp, runFindingsCommand } from '../common.js';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward image [options] REF...

Scans container images: every file of every layer (files a later layer deletes or overwrites too, reported as
removed in a later layer), the config's Env, Labels, Cmd and Entrypoint, and the build history. REF is a
'docker save' archive, an OCI image layout (folder or tar), or a registry reference (host[:port]/name:tag or
name@sha256:...; credentials from $DOCKER_CONFIG/config.json, ~/.docker/config.json, or LEAKWARD_REGISTRY_TOKEN).
Each layer is scanned once, whatever images share it. Exit codes: 0 clean, 1 findings (--exit-code),
2 usage, configuration or scan error (a registry that cannot be reached or refuses, an image read only in part).

image options:
      --platform OS/ARCH    only this platform of multi-platform images (default: every platform)
      --plain-http          talk HTTP to the registry (loopback registries always use HTTP)
      --max-file-size MB    skip larger files in layers (default 100)
      --db FILE             remember scanned layers in this sweep datastore (created when missing): a layer
                            scanned before with the same rules is not read again (its findings were reported then)
${reportHelp}`;

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    platform: { type: 'string' },
    'plain-http': { type: 'boolean' },
    'max-file-size': { type: 'string' },
    db: { type: 'string' },
  });
  if (values['help']) {
    io.stdout.write(help);
    return 0;
  }
  const flags = reportFlags(values);
  if (positionals.length === 0) throw new UsageError('name at least one image (a registry reference, an archive or an OCI layout)');
  const platform = typeof values['platform'] === 'string' ? values['platform'] : undefined;
  if (platform !== undefined && !/^[a-z0-9_-]+\/[a-z0-9_-]+(\/[a-z0-9_-]+)?$/.test(platform)) {
    throw new UsageError(`--platform takes os/arch[/variant], e.g. linux/amd64 (got '${platform}')`);
  }
  const maxMb = values['max-file-size'] === undefined ? 100 : Number(values['max-file-size']);
  if (!Number.isFinite(maxMb) || maxMb <= 0) throw new UsageError('--max-file-size takes a number of megabytes');
  const maxFileSize = Math.round(maxMb * 1024 * 1024);
  const token = io.env['LEAKWARD_REGISTRY_TOKEN'];

  const { scanImages } = await import('../../sources/image.js');
  const problems: string[] = [];
  const dbFile = typeof values['db'] === 'string' ? path.resolve(io.cwd, values['db']) : undefined;
  let store: import('../../store/index.js').SweepStore | undefined;
  if (dbFile) {
    const { openStore, StoreError } = await import('../../store/index.js');
    try {
      store = openStore(dbFile);
    } catch (err) {
      throw new UsageError(err instanceof StoreError ? err.message : `${values['db']}: ${(err as Error).message}`);
    }
  }
  const skipped = new Set<string>();
  const scannedLayers = store ? {
    has: (d: string, k: string) => {
      const known = store!.layerScanned(d, k);
      if (known) skipped.add(d);
      return known;
    },
    add: (d: string, k: string, n: number) => store!.recordLayer(d, k, n),
  } : undefined;
  let code: number;
  try {
   code = await runFindingsCommand({
    io,
    root: io.cwd,
    flags,
    maxFileSize,
    scan: (config, options) => scanImages(positionals, config, {
      ...options,
      maxFileSize,
      cwd: io.cwd,
      env: io.env,
      ...(platform ? { platform } : {}),
      ...(values['plain-http'] === true ? { plainHttp: true } : {}),
      ...(token ? { credentials: { registryToken: token } } : {}),
      ...(scannedLayers ? { scannedLayers } : {}),
      onIncomplete: (ref, message) => {
        problems.push(ref);
        io.stderr.write(`leakward image: ${ref}: ${message}\n`);
      },
      ...(flags.verbose ? {
        onImage: (img) => io.stderr.write(`leakward image: ${img.ref} ${img.digest}${img.platform ? ` ${img.platform}` : ''}: ${img.layers.length} layers\n`),
      } : {}),
    }),
  });
  } finally {
    store?.close();
  }
  if (skipped.size > 0) io.stderr.write(`leakward image: ${skipped.size} layer${skipped.size === 1 ? '' : 's'} already scanned with these rules (${values['db']}): not read again\n`);
  if (problems.length > 0) {
    const n = new Set(problems).size;
    io.stderr.write(`leakward image: incomplete scan: ${n} image${n === 1 ? '' : 's'} could not be read whole; the report above is partial\n`);
    return 2;
  }
  return code;
}
