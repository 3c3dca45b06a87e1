import { builtinConfig, createScanner } from '/work/main/dist/src/index.js';
import fs from 'node:fs'; import path from 'node:path';
const root = '/work/main/bench/.work/scan-20mb';
const files = [];
(function walk(d){ for (const e of fs.readdirSync(d,{withFileTypes:true})) { const p=path.join(d,e.name); if(e.isDirectory()) walk(p); else files.push(p);} })(root);
let bufs = files.map(f=>[path.relative(root,f), fs.readFileSync(f)]);
const bytes = bufs.reduce((a,[,b])=>a+b.length,0);
const cfg = builtinConfig();
function run(label, rules, dd=2) {
  const sc = createScanner({...cfg, rules}, {maxDecodeDepth:dd});
  for (const [p,b] of bufs.slice(0,20)) sc.scanBuffer(b,{path:p});
  const t=performance.now(); let n=0; for (const [p,b] of bufs) n+=sc.scanBuffer(b,{path:p}).length;
  const dt = performance.now()-t;
  console.log(label.padEnd(40), (bytes/1e6/(dt/1000)).toFixed(1),'MB/s', n);
}
run('full', cfg.rules);
run('full, no decode', cfg.rules, 0);
run('no generic-*', cfg.rules.filter(r=>!r.id.startsWith('generic')));
